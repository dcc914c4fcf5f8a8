"""The scheduled jobs: registry, runner (JobRun claims) and the ``huddle scheduler`` process."""
