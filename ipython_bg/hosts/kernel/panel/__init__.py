"""The kernel side of the Jobs panel (JupyterLab 4 and Notebook 7).

The panel itself is the frontend extension that ``pip install`` puts in
Jupyter's ``labextensions`` folder (its sources are in ``labextension/``
of the repository): a side panel listing the jobs of every running
kernel that has ipython_bg loaded, a status-bar count of running jobs,
and notifications when a long job ends.

It hears from each kernel over a comm that the page opens; this package
answers it.  ``docs/panel-protocol.rst`` specifies the messages:
:mod:`.protocol` turns jobs into them, :mod:`.batching` gathers changes
so that many jobs ending together are one message, :mod:`.channel` is
the comm target.  Loaded in a kernel only; nothing is sent unless a page
asked for it, so other clients see the kernel as they did before.
"""

from __future__ import annotations

__all__ = ["offer_panel"]


def offer_panel(host) -> None:
    """Offer the panel's comm target in the kernel of ``host`` (a
    KernelHost), for its jobs, where the kernel has comms."""
    shell = host.shell
    comm_manager = getattr(getattr(shell, "kernel", None), "comm_manager", None)
    if comm_manager is None:
        return
    from ipython_bg.hosts.kernel.panel.channel import PanelChannel

    host.held.take(("jobs panel", shell), lambda: PanelChannel(shell, host.control, host.settings, comm_manager))
