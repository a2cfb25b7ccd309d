"""The display bundles a job publishes in a kernel, kept for ``%jobs -o``."""

from __future__ import annotations

from ipython_bg.model.output import current_output
from ipython_bg.process.changes import Change

__all__ = ["DisplayCapture"]


class DisplayCapture(Change):
    """Keeps the display bundles a job publishes (a kernel's
    ``display_pub.publish``, a public attribute), so that ``%jobs -o`` shows
    them again as they were, not only their text."""

    why = "a kernel's display publisher keeps what each job displays, for %jobs -o"

    def __init__(self, publisher):
        self.publisher = publisher
        self._own = publisher.publish

    def install(self) -> None:
        self.publisher.publish = self.publish

    def uninstall(self) -> None:
        if self.publisher.__dict__.get("publish") == self.publish:
            del self.publisher.publish

    def publish(self, data, metadata=None, *args, **kwargs):
        output = current_output()
        if output is not None:
            transient = kwargs.get("transient", args[0] if args else None) or {}
            update = kwargs.get("update", args[1] if len(args) > 1 else False)
            output.add_display(data, metadata, transient.get("display_id"), update)
            if output.quiet:
                return None
        return self._own(data, metadata, *args, **kwargs)

    def replay(self, data, metadata) -> None:
        """Show a kept bundle again, in the cell that asks."""
        self._own(data, metadata)
