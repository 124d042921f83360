builtins.getEnv "PYDOCK_TEST_VAR"
