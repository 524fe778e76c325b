package dev.rankwise.runtime.model;

import ai.djl.Model;
import ai.djl.nn.Block;
import dev.rankwise.runtime.AdapterConfig;
import dev.rankwise.runtime.AdapterLayer;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * A whole adapter declaration, as the processor generates it from one annotated type: which linear
 * layers get which adapter, by block-path pattern (type-level declarations) or by field name (field
 * declarations). It is the entry point generated code calls: {@link #attach(Block)} for both.
 */
public final class AdapterSpec {

  /** Seed of adapter initialisation when the caller gives none, so that runs repeat. */
  public static final long DEFAULT_SEED = 0;

  private final String declaringType;
  private final List<TargetRule> targetRules;
  private final Map<String, AdapterConfig> fieldConfigs;
  private final TaskRouterConfig taskRouter;

  private AdapterSpec(Builder builder) {
    this.declaringType = builder.declaringType;
    this.targetRules = List.copyOf(builder.targetRules);
    this.fieldConfigs = Collections.unmodifiableMap(new LinkedHashMap<>(builder.fieldConfigs));
    this.taskRouter = builder.taskRouter;
  }

  /**
   * Starts a spec for the annotated type.
   *
   * @param declaringType the canonical name of the annotated type, recorded in adapter files
   */
  public static Builder builder(String declaringType) {
    return new Builder(declaringType);
  }

  /** The canonical name of the annotated type. */
  public String declaringType() {
    return declaringType;
  }

  /** The type-level rules, in declaration order. */
  public List<TargetRule> targetRules() {
    return targetRules;
  }

  /** The field-level configs by field name, in declaration order. */
  public Map<String, AdapterConfig> fieldConfigs() {
    return fieldConfigs;
  }

  /** The task routing, when the type declares a {@code @TaskRouter}. */
  public Optional<TaskRouterConfig> taskRouter() {
    return Optional.ofNullable(taskRouter);
  }

  /**
   * Injects the declared adapters into the model's block, freezes every other parameter and
   * returns the adapted model. The model's block must be initialised (its weights loaded).
   */
  public AdaptedModel attach(Model model) {
    return attach(model.getBlock());
  }

  /**
   * As {@link #attach(Model)}, for a block tree: the adapters declared on fields of the block's
   * class take the place of those fields' layers (the fields are re-pointed), then the target
   * patterns' matches take theirs. All or nothing: if a declaration cannot be attached, the tree
   * is left as it was and nothing stays allocated.
   *
   * @throws IllegalArgumentException if a pattern matches no linear layer (the message lists the
   *     closest real paths), a declared field does not exist, or two declarations take one layer
   * @throws IllegalStateException if a layer is not initialised or already adapted, or a declared
   *     field is null or not a child block
   */
  public AdaptedModel attach(Block block) {
    return attach(block, DEFAULT_SEED);
  }

  /** As {@link #attach(Block)}, with the seed of the adapters' random initialisation. */
  public AdaptedModel attach(Block block, long seed) {
    AdaptedModel model = new AdaptedModel(this, block, Attacher.attach(this, block, seed));
    model.freezeBase();
    return model;
  }

  /**
   * Attaches the adapters and loads their saved weights from {@code directory}. All or nothing, as
   * {@link #attach(Block)}: if the files do not fit, the adapters are taken out again.
   */
  public AdaptedModel load(Block block, Path directory) throws IOException {
    Map<String, AdapterLayer> layers = Attacher.attach(this, block, DEFAULT_SEED);
    AdaptedModel model = new AdaptedModel(this, block, layers);
    try {
      model.load(directory);
    } catch (IOException | RuntimeException e) {
      Attacher.detach(block, layers);
      throw e;
    }
    model.freezeBase();
    return model;
  }

  /**
   * The declaration the adapter folder {@code directory} was saved with, rebuilt from its {@code
   * adapter_config.json}: each saved layer becomes a target on its exact block path with its kind's
   * config read back, under the saved tasks. With it a folder attaches to its base (and loads)
   * without the type that declared it.
   *
   * @throws dev.rankwise.runtime.io.AdapterFileException if the config is missing, is not
   *     rankwise's (a PEFT file), or a record is malformed or of a kind this class path lacks
   */
  public static AdapterSpec read(Path directory) throws IOException {
    return SavedSpec.read(directory);
  }

  /**
   * The same declaration routing other tasks (with the same adaptive and contrastive settings),
   * such as one task of several to train it alone.
   *
   * @throws IllegalStateException if the declaration has no {@code @TaskRouter}
   */
  public AdapterSpec withTasks(List<String> tasks) {
    TaskRouterConfig router = taskRouter().orElseThrow(() -> new IllegalStateException(
        declaringType + " declares no @TaskRouter whose tasks could change"));
    return copy(new TaskRouterConfig(tasks, router.adaptive(), router.contrastive()), List::of);
  }

  /**
   * The same declaration on other layers: each target pattern replaced by what {@code retarget}
   * makes of it, such as the top two layers of a deeper model, or another model's names for its
   * projections. Declarations on fields keep their fields.
   */
  public AdapterSpec withTargets(UnaryOperator<String> retarget) {
    return copy(taskRouter, pattern -> List.of(retarget.apply(pattern)));
  }

  /**
   * As {@link #withTargets}, each target pattern replaced by several, such as one layer's projection
   * by every layer's; a pattern two of them give is kept once.
   */
  public AdapterSpec withTargetLists(Function<String, List<String>> retarget) {
    return copy(taskRouter, retarget);
  }

  private AdapterSpec copy(TaskRouterConfig router, Function<String, List<String>> retarget) {
    Builder builder = builder(declaringType);
    if (router != null) {
      builder.optTaskRouter(router);
    }
    targetRules.forEach(rule -> builder.target(rule.config(),
        rule.patterns().stream().flatMap(pattern -> retarget.apply(pattern).stream()).distinct()
            .toArray(String[]::new)));
    fieldConfigs.forEach(builder::field);
    return builder.build();
  }

  /** One type-level rule: every linear layer whose path matches one of the patterns gets the config. */
  public record TargetRule(AdapterConfig config, List<String> patterns) {
    public TargetRule {
      Objects.requireNonNull(config, "config");
      patterns = List.copyOf(patterns);
      if (patterns.isEmpty()) {
        throw new IllegalArgumentException("a target rule needs at least one pattern");
      }
    }
  }

  /** Builds an {@link AdapterSpec} in declaration order. */
  public static final class Builder {
    private final String declaringType;
    private final List<TargetRule> targetRules = new ArrayList<>();
    private final Map<String, AdapterConfig> fieldConfigs = new LinkedHashMap<>();
    private TaskRouterConfig taskRouter;

    private Builder(String declaringType) {
      this.declaringType = Objects.requireNonNull(declaringType, "declaringType");
    }

    /** Adds a type-level rule: the config applies to every layer matching one of the patterns. */
    public Builder target(AdapterConfig config, String... patterns) {
      targetRules.add(new TargetRule(config, List.of(patterns)));
      return this;
    }

    /** Adds a field-level declaration. */
    public Builder field(String fieldName, AdapterConfig config) {
      if (fieldConfigs.putIfAbsent(fieldName, Objects.requireNonNull(config, "config")) != null) {
        throw new IllegalArgumentException("field '" + fieldName + "' is declared twice");
      }
      return this;
    }

    /** Routes rows by task (a {@code @TaskRouter} declaration). */
    public Builder optTaskRouter(TaskRouterConfig taskRouter) {
      this.taskRouter = Objects.requireNonNull(taskRouter, "taskRouter");
      return this;
    }

    /** Returns the spec. */
    public AdapterSpec build() {
      if (targetRules.isEmpty() && fieldConfigs.isEmpty()) {
        throw new IllegalArgumentException(declaringType + " declares no adapter");
      }
      return new AdapterSpec(this);
    }
  }
}
