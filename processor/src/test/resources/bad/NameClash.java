package test;

import dev.rankwise.annotations.*;

@Lora(rankA = 2, rankB = 2, targets = "x") interface NameClash_Foo {}

class NameClash {
  @Lora(rankA = 2, rankB = 2, targets = "x") interface Foo {}
}
