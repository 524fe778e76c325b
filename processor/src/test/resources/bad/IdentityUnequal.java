package test;

import dev.rankwise.annotations.*;

// One error, on the next line.
@Lora(rankA = 4, rankB = 8, mixer = Mixer.IDENTITY, targets = "a") interface IdentityUnequal {}
