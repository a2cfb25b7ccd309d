"""Helpers the tests share: running a cell in a shell, and the code that
shell, kernel and terminal tests define before they start jobs."""

import textwrap


def run(shell, code):
    """Run a cell as a user would; fail the test if it raised; return its result."""
    result = shell.run_cell(code)
    assert result.error_before_exec is None and result.error_in_exec is None, (
        result.error_before_exec or result.error_in_exec
    )
    return result.result


#: Two jobs to start: ``double(x)`` returns ``2 * x`` and ``fail(message)``
#: raises ``ValueError(message)``, each after ``delay`` seconds (none: one
#: step of the loop).
DOUBLE_AND_FAIL = textwrap.dedent(
    """
    import asyncio

    async def double(x, delay=0.0):
        await asyncio.sleep(delay)
        return 2 * x

    async def fail(message, delay=0.0):
        await asyncio.sleep(delay)
        raise ValueError(message)
    """
)

#: A job whose output comes late: ``speak_later(text, delay)`` prints
#: ``text`` after ``delay`` seconds.
SPEAK_LATER = textwrap.dedent(
    """
    import asyncio

    async def speak_later(text, delay):
        await asyncio.sleep(delay)
        print(text, flush=True)
    """
)

#: The seed demo's echo server and client, for a terminal's startup and
#: for the same demo in plain Python.
ECHO_DEMO = textwrap.dedent(
    """
    import asyncio

    async def handle_tcp_echo(reader, writer):
        data = await reader.read(100)
        writer.write(data)
        await writer.drain()
        writer.close()

    async def tcp_echo_client(message, port):
        reader, writer = await asyncio.open_connection('127.0.0.1', port)
        writer.write(message.encode())
        data = await reader.read(100)
        writer.close()
        return data.decode()
    """
)
