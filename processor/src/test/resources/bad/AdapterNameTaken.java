package test;

import dev.rankwise.annotations.*;

// The processor cannot write test.AdapterNameTaken_Adapter: the user already declares it.
@Lora(rankA = 2, rankB = 2, targets = "x") interface AdapterNameTaken {}

class AdapterNameTaken_Adapter {}
