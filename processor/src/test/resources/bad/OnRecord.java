package test;

import dev.rankwise.annotations.*;

// One error, on the next line.
@Lora(rankA = 2, rankB = 2, targets = "x") record OnRecord(int size) {}
