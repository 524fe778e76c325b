package test;

import dev.rankwise.annotations.*;

// One error, on the next line.
@Lora(rankA = 4, rankB = 4, dropout = 1, targets = "a") interface DropoutOne {}
