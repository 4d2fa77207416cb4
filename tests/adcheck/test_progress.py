"""Progress: a plain line every few seconds when stderr is not a terminal."""

import io

from adcheck.running.progress import Progress


def test_piped_progress_prints_plain_lines():
    buf = io.StringIO()
    p = Progress(stream=buf, every_s=0.0, tty=False)
    p.start(4)
    p.advance(1)
    p.advance(3)
    p.close()
    lines = buf.getvalue().splitlines()
    assert lines[0].startswith("adcheck: 1/4 cases (25%)")
    assert lines[-1].startswith("adcheck: 4/4 cases (100%)")
    assert "\r" not in buf.getvalue()


def test_piped_progress_is_quiet_between_intervals():
    buf = io.StringIO()
    p = Progress(stream=buf, every_s=3600.0, tty=False)
    p.start(2)
    p.advance(1)
    assert buf.getvalue() == ""


class Tty(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self):
        return True


def test_a_terminal_gets_a_bar():
    buf = Tty()
    p = Progress(stream=buf)
    p.start(3)
    p.advance(3)
    p.close()
    assert "0/3 [" in buf.getvalue()  # a tqdm bar, redrawn in place


def test_say_writes_one_plain_line():
    buf = io.StringIO()
    p = Progress(stream=buf, every_s=3600.0, tty=False)
    p.start(2)
    p.say("shrinking 3 failure(s) for up to 10 s each")
    assert buf.getvalue() == "adcheck: shrinking 3 failure(s) for up to 10 s each\n"


def test_say_on_a_terminal_keeps_the_bar():
    buf = Tty()
    p = Progress(stream=buf)
    p.start(3)
    p.say("shrinking")
    p.close()
    assert "adcheck: shrinking\n" in buf.getvalue() and "0/3 [" in buf.getvalue()
