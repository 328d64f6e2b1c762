"""ProgressBar output: one line per epoch off a terminal, throttled redraws on one."""

import io

import pytest

from minigrad.train import progress
from minigrad.train.progress import ProgressBar, format_time, format_value


class FakeClock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture
def clock(monkeypatch):
    c = FakeClock()
    monkeypatch.setattr(progress, "_now", c)
    return c


def test_not_a_tty_prints_one_plain_line_per_epoch(clock):
    out = io.StringIO()
    bar = ProgressBar(120, desc="epoch 3/10", file=out)
    assert bar.mode == "line"
    for i in range(120):
        clock.t += 0.01
        bar.update(1, loss=0.5 - i * 0.001, accuracy=0.91)
        assert out.getvalue() == ""  # nothing per batch
    bar.close(val_loss=0.3567)
    assert out.getvalue() == (
        "epoch 3/10 - 120 batches - 1.2s - loss 0.3810 - accuracy 0.9100 - val_loss 0.3567\n"
    )
    bar.close()  # idempotent
    assert out.getvalue().count("\n") == 1


def test_several_epochs_give_one_line_each(clock):
    out = io.StringIO()
    for epoch in range(1, 4):
        with ProgressBar(5, desc=f"epoch {epoch}/3", file=out) as bar:
            for _ in range(5):
                bar.update(loss=1.0 / epoch)
    lines = out.getvalue().splitlines()
    assert [line.split(" - ")[0] for line in lines] == ["epoch 1/3", "epoch 2/3", "epoch 3/3"]
    assert "\r" not in out.getvalue()


def test_verbose_0_prints_nothing_even_on_a_tty(clock):
    for out in (io.StringIO(), FakeTTY()):
        bar = ProgressBar(10, desc="epoch 1/1", verbose=0, file=out)
        for _ in range(10):
            bar.update(loss=1.0)
        bar.close(val_loss=2.0)
        assert out.getvalue() == ""


def test_verbose_2_gives_plain_lines_on_a_tty(clock):
    out = FakeTTY()
    bar = ProgressBar(3, desc="e", verbose=2, file=out)
    bar.update(3, loss=1.0)
    bar.close()
    assert out.getvalue() == "e - 3 batches - 0.0s - loss 1.0000\n"


def test_plain_tty_bar_redraws_in_place_throttled(clock, monkeypatch):
    monkeypatch.setattr(progress, "_load_tqdm", lambda: None)
    out = FakeTTY()
    bar = ProgressBar(100, desc="epoch 1/2", file=out)
    assert bar.mode == "tty"
    for _ in range(99):  # 99 batches over 0.99 s -> about one draw per 0.1 s
        clock.t += 0.01
        bar.update(1, loss=0.25)
    draws = out.getvalue().count("\r")
    assert 9 <= draws <= 11
    bar.update(1, loss=0.125)  # the last batch is always drawn
    assert out.getvalue().count("\r") == draws + 1
    last = out.getvalue().split("\r")[-1]
    assert "100/100" in last and "loss 0.1250" in last and "it/s" in last
    assert "[====================]" in last
    bar.close(val_loss=0.5)
    final = out.getvalue().split("\r")[-1]
    assert final.rstrip(" \n") == "epoch 1/2 - 100 batches - 1.0s - loss 0.1250 - val_loss 0.5000"
    assert final.endswith("\n") and out.getvalue().count("\n") == 1


def test_plain_tty_bar_shows_eta_and_blanks_longer_previous_line(clock, monkeypatch):
    monkeypatch.setattr(progress, "_load_tqdm", lambda: None)
    out = FakeTTY()
    bar = ProgressBar(10, file=out)
    clock.t += 1.0
    bar.update(2, loss=0.123456, a_long_metric_name=1.0)
    first = out.getvalue().split("\r")[-1]
    assert "2/10" in first and "2.0 it/s" in first and "ETA 4.0s" in first
    bar.logs.clear()
    clock.t += 1.0
    bar.update(1)
    second = out.getvalue().split("\r")[-1]
    assert len(second) == len(first)  # padded with spaces over the old text
    assert "a_long_metric_name" not in second


def test_tqdm_used_on_a_tty_when_installed(clock):
    pytest.importorskip("tqdm")
    out = FakeTTY()
    bar = ProgressBar(4, desc="epoch 1/1", file=out)
    assert bar.mode == "tqdm"
    for _ in range(4):
        bar.update(loss=0.5)
    bar.close(val_loss=0.25)
    text = out.getvalue()
    assert "epoch 1/1" in text and "4/4" in text and "val_loss 0.2500" in text


def test_unknown_total_and_bad_arguments(clock):
    out = io.StringIO()
    bar = ProgressBar(None, file=out)
    bar.update(1)
    bar.close()
    assert out.getvalue() == "1 batch - 0.0s\n"
    with pytest.raises(ValueError, match="verbose"):
        ProgressBar(3, verbose=3)
    with pytest.raises(ValueError, match="total"):
        ProgressBar(-1)
    with pytest.raises(RuntimeError, match="after close"):
        bar.update(1)
    with pytest.raises(ValueError, match="loss.*scalar"):
        ProgressBar(3, file=out).update(loss=[1.0, 2.0])


def test_formatting_helpers():
    assert format_value(0.34121) == "0.3412"
    assert format_value(0.0) == "0.0000"
    assert format_value(1e-5) == "1.0000e-05"
    assert format_value(123456.0) == "1.2346e+05"
    assert format_value(float("nan")) == "nan"
    assert format_time(1.23) == "1.2s"
    assert format_time(123) == "2m03s"
    assert format_time(3720) == "1h02m"
