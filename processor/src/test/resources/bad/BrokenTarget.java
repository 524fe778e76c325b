package test;

import dev.rankwise.annotations.*;

@Lora(rankA = 2, rankB = 2, targets = NO_SUCH_PATTERN) interface BrokenTarget {}
