"""Which host a shell gets (ipython_bg/hosts/detect.py), by its class."""

import pytest


def test_a_trio_kernel_is_refused_with_a_clear_message():
    # Only the decision is tested here: ipykernel 7.4's own trio mode does
    # not start, so there is no real trio kernel to load into.
    from ipykernel.zmqshell import ZMQInteractiveShell

    from ipython_bg.hosts.base import UnsupportedShell
    from ipython_bg.hosts.detect import host_for

    # A kernel shell is known by its class (a subclass, like Spyder's, too).
    TrioShell = type("TrioShell", (ZMQInteractiveShell,), {"__init__": lambda self: None, "trio_runner": object()})
    with pytest.raises(UnsupportedShell, match="runs trio, not asyncio"):
        host_for(TrioShell(), None, None, None)
