package test;

import dev.rankwise.annotations.*;

// One error, on the next line.
@RankExperts(count = 2, topK = 4, targets = "a") interface TopKAboveCount {}
