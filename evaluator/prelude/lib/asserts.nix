# Assertions with messages.
{ lib }:
{
  # `assert assertMsg cond "why";` fails with the message instead of a bare "assertion failed".
  assertMsg = pred: msg: pred || builtins.throw msg;
}
