package test;

import dev.rankwise.annotations.*;

// One error, on the next line.
@RankExperts(count = 2, topK = 1, balance = -0.5, targets = "a") interface NegativeBalance {}
