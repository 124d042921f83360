builtins.genericClosure {
  startSet = [ { key = "a"; tag = "first"; } { key = "a"; tag = "second"; } ];
  operator = item: [ { key = "b"; tag = "from-${item.tag}"; } ];
}
