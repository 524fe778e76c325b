package dev.rankwise.runtime.model;

import ai.djl.nn.Block;
import ai.djl.nn.BlockList;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.util.Pair;
import dev.rankwise.runtime.AdapterConfig;
import dev.rankwise.runtime.AdapterKind;
import dev.rankwise.runtime.AdapterLayer;
import dev.rankwise.runtime.inject.BlockPaths;
import dev.rankwise.runtime.inject.ChildReplacer;
import dev.rankwise.runtime.inject.ClosestPaths;
import dev.rankwise.runtime.inject.PathPattern;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Attaches the adapters of one {@link AdapterSpec} to a block tree. Generated code for a block
 * class calls {@link #adapt(String, Linear)} once per annotated field and assigns the result back
 * to the field (so the block's own forward pass calls the adapter), then {@link #finish()}, which
 * also applies the spec's type-level target patterns and freezes everything else.
 */
public final class FieldAttacher {

  private static final int CLOSEST_PATHS = 5;

  private final AdapterSpec spec;
  private final Block root;
  private final long seed;
  private final Map<String, AdapterLayer> layers = new LinkedHashMap<>();
  private final Map<String, String> declaredBy = new LinkedHashMap<>();
  private boolean finished;

  /** A field's adapter, built before any field is swapped. */
  private record Prepared(String path, Linear original, AdapterLayer adapter) {}

  private final Map<String, Prepared> prepared = new LinkedHashMap<>();

  /**
   * Builds every declared field's adapter up front, so that a field that is null, not a child or
   * not initialised fails before any field of the block has been swapped.
   */
  FieldAttacher(AdapterSpec spec, Block root, long seed) {
    this.spec = spec;
    this.root = root;
    this.seed = seed;
    for (Map.Entry<String, AdapterConfig> field : spec.fieldConfigs().entrySet()) {
      String owner = root.getClass().getName() + "." + field.getKey();
      Linear layer = readField(field.getKey(), owner);
      String path = childSegment(layer, owner);
      claim(path, layer, "field " + owner);
      prepared.put(field.getKey(), new Prepared(path, layer, create(path, layer, field.getValue())));
    }
  }

  private Linear readField(String name, String owner) {
    for (Class<?> type = root.getClass(); type != null; type = type.getSuperclass()) {
      try {
        Field field = type.getDeclaredField(name);
        field.setAccessible(true);
        Object value = field.get(root);
        if (value == null) {
          throw new IllegalStateException(
              "field " + owner + " is null; create its Linear in the constructor before attaching");
        }
        if (!(value instanceof Linear linear)) {
          throw new IllegalStateException("field " + owner + " holds a " + value.getClass().getName()
              + ", not an ai.djl.nn.core.Linear");
        }
        return linear;
      } catch (NoSuchFieldException e) {
        // look in the superclass
      } catch (IllegalAccessException | RuntimeException e) {
        if (e instanceof IllegalStateException state) {
          throw state;
        }
        throw new IllegalStateException("cannot read field " + owner + ": " + e, e);
      }
    }
    throw new IllegalArgumentException(
        spec.declaringType() + " declares an adapter on field '" + name + "', but "
            + root.getClass().getName() + " has no such field; attach it to the declaring class");
  }

  /**
   * Puts the adapter prepared for {@code fieldName} in the place of its layer among the root
   * block's children (same name and position) and returns it, for the caller to assign to the
   * field.
   *
   * @throws IllegalStateException if the field no longer holds the prepared layer
   */
  public Linear adapt(String fieldName, Linear layer) {
    checkNotFinished();
    spec.fieldConfig(fieldName);
    Prepared field = prepared.get(fieldName);
    if (field.original() != layer || layers.containsKey(field.path())) {
      throw new IllegalStateException(
          "field " + root.getClass().getName() + "." + fieldName + " no longer holds the layer this"
              + " attacher prepared, or was adapted already; start a new attach");
    }
    ChildReplacer.replace(root, layer, field.adapter(), field.path());
    layers.put(field.path(), field.adapter());
    return (Linear) field.adapter();
  }

  /**
   * Applies the spec's type-level rules, freezes every parameter that is not an adapter's and
   * returns the adapted model.
   *
   * @throws IllegalArgumentException if a pattern matches no linear layer (the message lists the
   *     closest real paths) or two declarations match one layer
   */
  public AdaptedModel finish() {
    checkNotFinished();
    finished = true;
    // Plan every match and build every adapter before the tree changes, so a typo in the last
    // pattern or an uninitialised layer leaves the model as it was.
    List<Planned> plans = new ArrayList<>();
    if (!spec.targetRules().isEmpty()) {
      Map<String, Block> paths = BlockPaths.of(root);
      for (AdapterSpec.TargetRule rule : spec.targetRules()) {
        for (String pattern : rule.patterns()) {
          plan(PathPattern.parse(pattern), rule.config(), paths, plans);
        }
      }
    }
    List<AdapterLayer> adapters = new ArrayList<>();
    for (Planned plan : plans) {
      adapters.add(create(plan.path(), plan.layer(), plan.config()));
    }
    for (int i = 0; i < plans.size(); i++) {
      Planned plan = plans.get(i);
      ChildReplacer.replace(plan.parent(), plan.layer(), adapters.get(i), plan.path());
      layers.put(plan.path(), adapters.get(i));
    }
    AdaptedModel model = new AdaptedModel(spec, root, layers);
    model.freezeBase();
    return model;
  }

  /** A layer a pattern selected, with where it sits. */
  private record Planned(String path, Block parent, Linear layer, AdapterConfig config) {}

  private void plan(PathPattern pattern, AdapterConfig config, Map<String, Block> paths, List<Planned> plans) {
    int matched = 0;
    for (Map.Entry<String, Block> entry : paths.entrySet()) {
      String path = entry.getKey();
      if (!pattern.matches(path) || !(entry.getValue() instanceof Linear linear)) {
        continue;
      }
      matched++;
      claim(path, linear, "pattern '" + pattern + "'");
      int dot = path.lastIndexOf('.');
      plans.add(new Planned(path, dot < 0 ? root : paths.get(path.substring(0, dot)), linear, config));
    }
    if (matched == 0) {
      List<String> linearPaths =
          paths.entrySet().stream()
              .filter(entry -> entry.getValue() instanceof Linear)
              .map(Map.Entry::getKey)
              .toList();
      throw new IllegalArgumentException(
          spec.declaringType() + ": target pattern '" + pattern + "' matches no Linear layer;"
              + " closest Linear paths: "
              + ClosestPaths.to(pattern.toString(), linearPaths, CLOSEST_PATHS));
    }
  }

  /** Records which declaration takes a layer; a second one, or an adapted layer, is an error. */
  private void claim(String path, Linear layer, String by) {
    String earlier = declaredBy.putIfAbsent(path, by);
    if (earlier != null) {
      throw new IllegalArgumentException(
          spec.declaringType() + ": layer '" + path + "' is declared twice, by " + earlier
              + " and by " + by + "; a layer takes one adapter");
    }
    if (layer instanceof AdapterLayer) {
      throw new IllegalStateException(
          spec.declaringType() + ": layer '" + path + "' already has an adapter; attach once");
    }
  }

  private AdapterLayer create(String path, Linear layer, AdapterConfig config) {
    return AdapterKind.create(layer, config, spec.taskRouter(), layerSeed(seed, path));
  }

  /** A per-layer seed, so a layer's initialisation does not depend on the order of attachment. */
  static long layerSeed(long seed, String path) {
    return seed * 0x9E3779B97F4A7C15L + path.hashCode();
  }

  private String childSegment(Linear layer, String owner) {
    BlockList children = root.getChildren();
    List<String> segments = BlockPaths.childSegments(root);
    int index = 0;
    for (Pair<String, Block> child : children) {
      if (child.getValue() == layer) {
        return segments.get(index);
      }
      index++;
    }
    throw new IllegalStateException(
        "field " + owner + " holds a Linear that is not a child block of "
            + root.getClass().getName() + "; register it with addChildBlock");
  }

  private void checkNotFinished() {
    if (finished) {
      throw new IllegalStateException("this attacher has finished; start a new one");
    }
  }

  static void freeze(Block root, Map<String, AdapterLayer> layers) {
    for (Pair<String, Parameter> parameter : root.getParameters()) {
      parameter.getValue().freeze(true);
    }
    for (AdapterLayer layer : layers.values()) {
      for (Parameter parameter : layer.adapterParameters().values()) {
        parameter.freeze(false);
      }
    }
  }
}
