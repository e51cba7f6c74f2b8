-- wrk prints one JSON line at the end: requests per second, latency, failures.
done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"rps": %.1f, "p50_ms": %.2f, "p99_ms": %.2f, "requests": %d, "non_2xx": %d, "socket_errors": %d}\n',
    summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
