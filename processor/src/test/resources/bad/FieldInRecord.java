package test;

import ai.djl.nn.core.Linear;
import dev.rankwise.annotations.*;

record FieldInRecord(
    // One error, on the next line: a record's fields are private and final, and no block.
    @Lora(rankA = 2, rankB = 2) Linear query) {}
