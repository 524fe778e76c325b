package test;

import dev.rankwise.annotations.Lora;

public class Outer {
  /** Nested declarations are named after their enclosing types. */
  @Lora(rankA = 4, rankB = 4, targets = "**.dense")
  interface Foo {}
}
