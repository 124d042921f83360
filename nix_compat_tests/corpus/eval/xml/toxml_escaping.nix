builtins.toXML "<tag attr=\"v\"> & 'apos' \n"
