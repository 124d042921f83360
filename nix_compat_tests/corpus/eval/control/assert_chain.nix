assert true; assert !false; [ "both" ]
