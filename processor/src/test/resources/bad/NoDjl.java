package test;

import dev.rankwise.annotations.*;

public class NoDjl {
  @Lora(rankA = 2, rankB = 2) Object query;
}
