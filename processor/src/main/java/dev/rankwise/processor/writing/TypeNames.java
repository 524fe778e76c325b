package dev.rankwise.processor.writing;

import com.palantir.javapoet.ClassName;

/**
 * The DJL and runtime types generated code names, in one place: the processor never depends on
 * DJL or the runtime, it only names their classes.
 */
final class TypeNames {

  static final ClassName MODEL = ClassName.get("ai.djl", "Model");
  static final ClassName BLOCK = ClassName.get("ai.djl.nn", "Block");
  static final ClassName PATH = ClassName.get("java.nio.file", "Path");
  static final ClassName IO_EXCEPTION = ClassName.get("java.io", "IOException");
  static final ClassName LIST = ClassName.get("java.util", "List");

  static final ClassName MIXER = ClassName.get("dev.rankwise.annotations", "Mixer");
  static final ClassName ADAPTER_SPEC = ClassName.get("dev.rankwise.runtime.model", "AdapterSpec");
  static final ClassName ADAPTED_MODEL = ClassName.get("dev.rankwise.runtime.model", "AdaptedModel");
  static final ClassName LORA_CONFIG = ClassName.get("dev.rankwise.runtime.lora", "LoraConfig");
  static final ClassName RANK_EXPERTS_CONFIG =
      ClassName.get("dev.rankwise.runtime.experts", "RankExpertsConfig");
  static final ClassName TASK_ROUTER_CONFIG =
      ClassName.get("dev.rankwise.runtime.route", "TaskRouterConfig");

  private TypeNames() {}
}
