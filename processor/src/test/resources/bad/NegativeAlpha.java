package test;

import dev.rankwise.annotations.*;

// One error, on the next line.
@Lora(rankA = 4, rankB = 4, alpha = -1, targets = "a") interface NegativeAlpha {}
