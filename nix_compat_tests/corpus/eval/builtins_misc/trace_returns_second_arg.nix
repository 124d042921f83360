builtins.trace "a trace message on stderr" { traced = true; }
