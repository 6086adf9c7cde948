"""Suite-wide hooks. Without PyTorch (the test oracle) the tests that compare against it are
skipped, and the run says so in one line at its end."""

_TORCH_MISSING = "could not import 'torch'"


def _torch_skip(report):
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    return _TORCH_MISSING in reason


def pytest_terminal_summary(terminalreporter):
    skipped = [r for r in terminalreporter.stats.get("skipped", ()) if _torch_skip(r)]
    if not skipped:
        return
    files = sum(1 for r in skipped if r.when == "collect")
    tests = len(skipped) - files
    terminalreporter.write_line(
        f"torch is not installed: {files} test files and {tests} tests that compare against "
        "PyTorch were skipped (install the test extra as the README says to run them)")
