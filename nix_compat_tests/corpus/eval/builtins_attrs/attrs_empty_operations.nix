with builtins; [ (attrNames { }) (attrValues { }) (removeAttrs { } [ "a" ]) (intersectAttrs { } { a = 1; }) ]
