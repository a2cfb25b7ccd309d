"""The display bundles a job publishes in a kernel, kept for ``%jobs -o``."""

from __future__ import annotations

from ipython_bg.model.output import current_output
from ipython_bg.process.changes import SetAttribute

__all__ = ["DisplayCapture"]


class DisplayCapture(SetAttribute):
    """Keeps the display bundles a job publishes (a kernel's
    ``display_pub.publish``, a public attribute), so that ``%jobs -o`` shows
    them again as they were, not only their text.  One per publisher,
    however many sessions share it; at the end the publisher's own
    ``publish`` (or whatever was set on it before) is put back."""

    why = "a kernel's display publisher keeps what each job displays, for %jobs -o"

    def __init__(self, publisher):
        super().__init__(publisher, "publish", self.publish, self.why)
        self._publish_before = publisher.publish

    def install(self) -> None:
        self._publish_before = self.target.publish
        super().install()

    def publish(self, data, metadata=None, *args, **kwargs):
        output = current_output()
        if output is not None:
            transient = kwargs.get("transient", args[0] if args else None) or {}
            update = kwargs.get("update", args[1] if len(args) > 1 else False)
            output.add_display(data, metadata, transient.get("display_id"), update)
            if output.quiet:
                return None
            if output.shown_in is not None:  # in the foreground: in the waiting cell
                return output.shown_in.copy().run(self._publish_before, data, metadata, *args, **kwargs)
        return self._publish_before(data, metadata, *args, **kwargs)

    def replay(self, data, metadata) -> None:
        """Show a kept bundle again, in the cell that asks."""
        self._publish_before(data, metadata)
