package test;

import dev.rankwise.annotations.*;

// One error, on the next line.
@Lora(rankA = 0, rankB = 4, targets = "a") interface LoraRankZero {}
