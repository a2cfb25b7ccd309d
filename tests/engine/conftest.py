import pytest

from ipython_bg.engine.control import JobControl


@pytest.fixture
def control(loop):
    """A JobControl on the test's own loop; its jobs cancelled at the end."""
    control = JobControl(lambda: loop)
    yield control
    control.cancel_all()
    control.close()
