"""What the tests share: the replay server, real Redis/QuestDB launchers, CLI runners, fixtures."""
