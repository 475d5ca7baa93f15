"""django.request keeps its warnings, but not one per 404; the worker's console writes one line
per job someone waits for, none for the periodic ticks, and none twice."""

import logging

import pytest
from huey import MemoryHuey, crontab

from needle.core.logs import QuietJobs


@pytest.mark.django_db
def test_not_found_is_not_logged_but_other_client_errors_are(world, api_for, caplog):
    api = api_for("dispatcher")
    with caplog.at_level(logging.INFO, logger="django.request"):
        assert api.get("/api/v1/cases/NONE").status_code == 404
        assert api.get("/api/v1/cases", state="flying").status_code == 422
    logged = [
        (r.levelname, getattr(r, "status_code", None)) for r in caplog.records if r.name == "django.request"
    ]
    assert logged == [("WARNING", 422)]


huey = MemoryHuey("test-logs", immediate=True)


@huey.task()
def triage(case_id: int) -> None:
    pass


@huey.periodic_task(crontab(minute="*"))
def tick() -> None:
    pass


def record(msg: str, *args: object, level: int = logging.INFO) -> logging.LogRecord:
    return logging.LogRecord("huey", level, __file__, 1, msg, args, None)


def test_periodic_ticks_are_quiet_and_a_requested_job_is_one_line() -> None:
    quiet = QuietJobs()
    job, periodic = triage.s(42), tick.s()
    assert not quiet.filter(record("Enqueueing periodic task %s.", periodic))
    assert not quiet.filter(record("Executing %s", periodic))
    assert not quiet.filter(record("%s executed in %0.3fs", periodic, 0.04))
    assert not quiet.filter(record("Executing %s", job))
    done = record("%s executed in %0.3fs", job, 0.021)
    assert quiet.filter(done)
    assert done.getMessage() == "triage(42,) done in 0.021s"
    # Failures, retries and the consumer's own lines pass as they are.
    assert quiet.filter(record("Unhandled exception in task %s.", periodic.id, level=logging.ERROR))
    assert quiet.filter(record("Requeueing %s, %s retries", job.id, 2))
    assert quiet.filter(record("Huey consumer started with %s %s, PID %s", 1, "thread", 7))


def test_everything_shows_at_debug_level() -> None:
    jobs = logging.getLogger("huey")
    level = jobs.level
    jobs.setLevel(logging.DEBUG)
    try:
        assert QuietJobs().filter(record("Executing %s", tick.s()))
    finally:
        jobs.setLevel(level)


def test_job_lines_have_one_handler_and_do_not_reach_the_root_one(settings) -> None:
    # run_huey adds a handler of its own only to a "huey" logger without one; propagated to
    # the root's too, each line was written twice.
    jobs = settings.LOGGING["loggers"]["huey"]
    assert jobs["handlers"] == ["jobs"] and jobs["propagate"] is False
    handler = settings.LOGGING["handlers"]["jobs"]["filters"]
    assert [settings.LOGGING["filters"][f]["()"] for f in handler] == ["needle.core.logs.QuietJobs"]
