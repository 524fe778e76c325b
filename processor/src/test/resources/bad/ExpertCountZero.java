package test;

import dev.rankwise.annotations.*;

// One error, on the next line.
@RankExperts(count = 0, topK = 1, targets = "a") interface ExpertCountZero {}
