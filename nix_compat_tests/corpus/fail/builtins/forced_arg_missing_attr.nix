# A missing attribute in the argument of stringLength (evaluated at the call, not as a thunk).
let s = { a = "x"; }; in builtins.stringLength s.b
