package test;

import ai.djl.nn.core.Linear;
import dev.rankwise.annotations.*;

enum FieldInEnum {
  INSTANCE;

  // One error, on the next line: an enum is no block.
  @Lora(rankA = 2, rankB = 2) Linear query;
}
