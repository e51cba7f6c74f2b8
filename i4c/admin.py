"""The admin site, with a second sign-in step for staff.

Signing in takes two steps when ``I4C_REQUIRE_2FA`` is on: the password (the
admin's own login page, guarded by django-axes), then a six-digit code from an
authenticator app (``two-factor/``). Until the code is given, the account counts
as not signed in to the admin and sees no drafts. A staff member without an
authenticator app enrols one first (``two-factor/enrol/``). The pages live
under the admin's own path, so they move with ``DJANGO_ADMIN_URL``.

Until its first code is confirmed, the key of an app being enrolled lives in
the session of the person enrolling, never in the database: someone else with
the password gets another key of their own, which stops working as soon as the
owner enrols. Wrong codes and enrolments are logged with the user name and
address.
"""

import base64
import ipaddress
import logging
import time

import django_otp
from django import forms
from django.conf import settings
from django.contrib import admin, auth, messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST
from django_otp.oath import TOTP

logger = logging.getLogger(__name__)


class TokenForm(forms.Form):
    """A code from the authenticator app, checked against one device.

    The device refuses a code it has already accepted and slows down guessing
    (each wrong code doubles the wait before the next is checked).
    """

    token = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def __init__(self, device, *args, **kwargs):
        self.device = device
        super().__init__(*args, **kwargs)

    def clean_token(self):
        token = self.cleaned_data["token"].replace(" ", "")
        allowed, _details = self.device.verify_is_allowed()
        if not allowed:
            raise forms.ValidationError(
                _("Too many wrong codes. Wait a minute, then enter the newest code."),
                code="throttled",
            )
        if not self.device.verify_token(token):
            raise forms.ValidationError(
                _("This code is wrong or has already been used. Enter the newest code."),
                code="invalid",
            )
        return token


class PendingApp:
    """An authenticator app being enrolled: a key kept in the session until its first code.

    It offers the two methods ``TokenForm`` calls on a device. A TOTPDevice is
    only made from it, by ``confirmed_device()``, once a code was right: a
    device's own ``verify_token`` would save itself, key and all, on a wrong one.
    There is no throttling here: whoever sees this page holds the key already.
    """

    SESSION_KEY = "i4c_pending_totp_key"

    def __init__(self, request):
        from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

        key = request.session.get(self.SESSION_KEY)
        if key is None:
            key = request.session[self.SESSION_KEY] = default_key()
        # Unsaved: it gives the key's URL and the parameters the app will use.
        self.device = TOTPDevice(
            user=request.user, name=gettext("Authenticator app"), key=key, confirmed=True
        )

    def verify_is_allowed(self):
        return True, None

    def verify_token(self, token) -> bool:
        device = self.device
        try:
            token = int(token)
        except ValueError:
            return False
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = time.time()
        if not totp.verify(token, device.tolerance):
            return False
        # As the device would after a code: that code cannot be used again.
        device.last_t, device.drift = totp.t(), totp.drift
        return True

    def confirmed_device(self, request):
        """The device, saved, with the key out of the session (call after a right code)."""
        del request.session[self.SESSION_KEY]
        self.device.save()
        return self.device


def qr_code_svg(text: str) -> str:
    """The QR code of ``text`` as inline SVG markup (paths only, no script)."""
    import qrcode
    from qrcode.image.svg import SvgPathFillImage

    # Dark on a white square of its own, so it scans in the admin's dark theme too.
    image = qrcode.make(text, image_factory=SvgPathFillImage, box_size=10, border=4)
    markup = image.to_string(encoding="unicode")
    return markup[markup.index("<svg") :]


def client_address(request) -> str | None:
    """The address django-axes counts failures against.

    REMOTE_ADDR, unless ``I4C_CLIENT_IP_HEADER`` names the header the reverse
    proxy sets: then the entry ``I4C_PROXY_COUNT`` places from the right, the
    one the outermost proxy saw (a client can put anything further left).
    """
    header = settings.I4C_CLIENT_IP_HEADER
    if header:
        entries = [entry.strip() for entry in request.META.get(header, "").split(",")]
        if len(entries) >= settings.I4C_PROXY_COUNT:
            candidate = entries[-settings.I4C_PROXY_COUNT]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                pass  # not the proxy's doing: fall back to the connection's address
    return request.META.get("REMOTE_ADDR")


def lockout_response(request, original_response=None, credentials=None):
    """The page django-axes shows once a user name or an address is locked out."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "axes/lockout.html", {"minutes": minutes}, status=429)


class I4CAdminSite(admin.AdminSite):
    site_header = _("I4C Dialogues administration")
    site_title = _("I4C Dialogues")

    def has_permission(self, request):
        """Active staff; with 2FA required, only once the second step is done."""
        if not super().has_permission(request):
            return False
        return not settings.I4C_REQUIRE_2FA or request.user.is_verified()

    def get_urls(self):
        return [
            path("two-factor/", self.verify_view, name="two_factor_verify"),
            path("two-factor/enrol/", self.enrol_view, name="two_factor_enrol"),
            path("two-factor/cancel/", self.cancel_view, name="two_factor_cancel"),
            *super().get_urls(),
        ]

    @method_decorator(never_cache)
    def login(self, request, extra_context=None):
        """After the password, staff who still lack the second step go on to it."""
        if settings.I4C_REQUIRE_2FA and self._awaits_second_step(request):
            return self._redirect(request, "two_factor_verify", self._next(request))
        return super().login(request, extra_context)

    @method_decorator(never_cache)
    @method_decorator(csrf_protect)
    def verify_view(self, request):
        """The second step: a code from the app enrolled before."""
        if not self._awaits_second_step(request):
            return self._redirect(request, "login" if not self.has_permission(request) else "index")
        device = self._device(request.user, confirmed=True)
        if device is None:
            return self._redirect(request, "two_factor_enrol", self._next(request))
        form = TokenForm(device, request.POST or None)
        if request.method == "POST" and self._code_accepted(request, form):
            self._complete_sign_in(request, device)
            return HttpResponseRedirect(self._next(request))
        return render(
            request,
            "admin/two_factor_verify.html",
            {**self._context(request, _("Enter your code")), "form": form},
        )

    @method_decorator(never_cache)
    @method_decorator(csrf_protect)
    def enrol_view(self, request):
        """Enrolment: scan the code (or type the key) in the app, confirm with a first code."""
        if not self._awaits_second_step(request):
            return self._redirect(request, "login" if not self.has_permission(request) else "index")
        if self._device(request.user, confirmed=True) is not None:
            # Replacing an enrolled app needs an administrator: it would
            # otherwise let a stolen password replace the second factor.
            return self._redirect(request, "two_factor_verify", self._next(request))
        # Keys stored unconfirmed by earlier versions of this page: nobody may keep them.
        self._devices(request.user, confirmed=False).delete()
        pending = PendingApp(request)
        device = pending.device
        form = TokenForm(pending, request.POST or None)
        if request.method == "POST" and self._code_accepted(request, form):
            device = pending.confirmed_device(request)
            self._record_enrolment(request)
            self._complete_sign_in(request, device)
            messages.success(
                request,
                gettext(
                    "Your authenticator app is enrolled. Next time, enter its code to sign in."
                ),
            )
            return HttpResponseRedirect(self._next(request))
        context = {
            **self._context(request, _("Set up your authenticator app")),
            "form": form,
            "otpauth_url": device.config_url,
            # Shown in groups of four, as apps ask for it when typed by hand.
            "secret": " ".join(_chunks(base64.b32encode(device.bin_key).decode(), 4)),
            # Generated markup of our own, from the device's key: no user text.
            "qr_code": mark_safe(qr_code_svg(device.config_url)),  # noqa: S308
        }
        return render(request, "admin/two_factor_enrol.html", context)

    @method_decorator(never_cache)
    @method_decorator(require_POST)
    @method_decorator(csrf_protect)
    def cancel_view(self, request):
        """Sign out from the second step (the admin's own log-out needs the admin)."""
        auth.logout(request)
        return self._redirect(request, "login")

    def _awaits_second_step(self, request) -> bool:
        user = request.user
        return bool(
            user.is_authenticated and user.is_active and user.is_staff and not user.is_verified()
        )

    @staticmethod
    def _devices(user, *, confirmed):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        return TOTPDevice.objects.filter(user=user, confirmed=confirmed)

    def _device(self, user, *, confirmed):
        return self._devices(user, confirmed=confirmed).order_by("pk").first()

    def _code_accepted(self, request, form) -> bool:
        """Whether the form's code is right; a refused code is logged, as a wrong password is."""
        if form.is_valid():
            return True
        errors = form.errors.as_data().get("token", [])
        if errors:
            reason = (
                "Two-factor code refused (too many wrong codes)"
                if errors[0].code == "throttled"
                else "Wrong two-factor code"
            )
            logger.warning(
                "%s for %s from %s", reason, request.user.get_username(), client_address(request)
            )
        return False

    def _record_enrolment(self, request):
        """Log a new authenticator app, and note it in the account's admin history."""
        from django.contrib.admin.models import CHANGE, LogEntry

        address = client_address(request)
        logger.warning(
            "Authenticator app enrolled for %s from %s", request.user.get_username(), address
        )
        LogEntry.objects.log_actions(
            user_id=request.user.pk,
            queryset=[request.user],
            action_flag=CHANGE,
            change_message=gettext("Enrolled an authenticator app from %(address)s.")
            % {"address": address},
            single_object=True,
        )

    def _complete_sign_in(self, request, device):
        # A new session key for the now fully signed-in account, as after a password.
        request.session.cycle_key()
        django_otp.login(request, device)

    def _next(self, request) -> str:
        target = request.POST.get("next") or request.GET.get("next") or ""
        if url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return target
        return reverse("admin:index", current_app=self.name)

    def _redirect(self, request, name, next_url=None):
        url = reverse(f"admin:{name}", current_app=self.name)
        if next_url:
            url = f"{url}?{urlencode({'next': next_url})}"
        return HttpResponseRedirect(url)

    def _context(self, request, title):
        request.current_app = self.name
        return {
            **self.each_context(request),
            "title": title,
            "subtitle": None,
            "next": self._next(request),
        }


def _chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]
