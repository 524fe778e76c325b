package test;

import ai.djl.nn.core.Linear;
import dev.rankwise.annotations.*;

interface FieldInInterface {
  // One error, on the next line: an interface field is static and final, and no block.
  @Lora(rankA = 2, rankB = 2) Linear query = null;
}
