"""The page cache's functions this app uses, imported in one place."""

from dialogues.pagecache import content_changed

__all__ = ["content_changed"]
