map (n: builtins.hasAttr n builtins) [ "currentSystem" "nixVersion" "langVersion" "storeDir" "getEnv" "nixPath" "currentTime" ]
