package test;

import dev.rankwise.annotations.*;

@Lora(rankA = NO_SUCH_CONSTANT, rankB = 2, targets = "x") interface Broken {}
