package test;

import dev.rankwise.annotations.Lora;
import dev.rankwise.annotations.Mixer;

/** Plain LoRA, PEFT-compatible. */
@Lora(rankA = 8, rankB = 8, alpha = 16, mixer = Mixer.IDENTITY, targets = "**.query")
interface IdentityMixer {}
