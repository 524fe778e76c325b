package test;

import dev.rankwise.annotations.*;

// One error, on the next line.
@TaskRouter(tasks = "a", adaptive = true) @Lora(rankA = 2, rankB = 2, targets = "x") interface AdaptiveNoExperts {}
