# The argument of a one-argument builtin that forces it first (isAttrs, length, …) fails:
# the error and its position are those of the argument, as when it was passed as a thunk.
let xs = [ 1 ]; in builtins.isAttrs (builtins.elemAt xs 3)
