package dev.rankwise.runtime.model;

import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import dev.rankwise.runtime.AdapterConfig;
import dev.rankwise.runtime.AdapterKind;
import dev.rankwise.runtime.AdapterLayer;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Puts the adapters of one {@link AdapterSpec} into a block tree, and takes them out again. The
 * one attach path for both ways to declare: the root block's declared fields (found by reflection,
 * each a direct child whose field is re-pointed with it) and the layers the target patterns match.
 * All or nothing: every layer is found and every adapter built before the tree changes, and a
 * failure puts back what was swapped and frees every adapter built.
 */
final class Attacher {

  private static final int CLOSEST_PATHS = 5;

  private final AdapterSpec spec;
  private final Block root;
  private final Map<String, String> declaredBy = new LinkedHashMap<>();
  private final List<Target> targets = new ArrayList<>();

  /** A layer to adapt: where it sits and what it gets. */
  private record Target(String path, Block parent, Linear layer, AdapterConfig config) {}

  private Attacher(AdapterSpec spec, Block root) {
    this.spec = spec;
    this.root = root;
  }

  /**
   * Attaches the spec's adapters to {@code root}: declared fields first, in declaration order, then
   * pattern matches. Freezes nothing.
   *
   * @return the adapters by block path, in that order
   * @throws IllegalArgumentException if a pattern matches no linear layer (the message lists the
   *     closest real paths), a declared field does not exist, or two declarations take one layer
   * @throws IllegalStateException if a declared field is null, not a {@code Linear} or not a child,
   *     a layer is not initialised or already adapted, or a field cannot be re-pointed
   */
  static Map<String, AdapterLayer> attach(AdapterSpec spec, Block root, long seed) {
    Attacher attacher = new Attacher(spec, root);
    spec.fieldConfigs().forEach(attacher::planField);
    if (!spec.targetRules().isEmpty()) {
      Map<String, Block> paths = BlockPaths.of(root);
      for (AdapterSpec.TargetRule rule : spec.targetRules()) {
        for (String pattern : rule.patterns()) {
          attacher.planPattern(PathPattern.parse(pattern), rule.config(), paths);
        }
      }
    }
    return attacher.swap(seed);
  }

  /**
   * Puts every adapter's base layer back in its place (re-pointing the fields that held the
   * adapter) and frees the adapters. Merged adapters leave their merged weights in the base layers.
   */
  static void detach(Block root, Map<String, AdapterLayer> layers) {
    Map<String, Block> paths = BlockPaths.of(root);
    for (Map.Entry<String, AdapterLayer> layer : layers.entrySet()) {
      String path = layer.getKey();
      AdapterLayer adapter = layer.getValue();
      ChildReplacer.replace(parent(root, paths, path), adapter, adapter.baseLayer(), path);
      adapter.releaseAdapter();
    }
  }

  /**
   * Puts a new adapter from {@code spec} in the place of each of {@code layers}, wrapping the same
   * base layer with the same config under the spec's routing, initialised as {@link #attach} would
   * with {@code seed}. All or nothing: every new adapter is built before the tree changes. The old
   * adapters stay allocated (the caller copies from them, then releases them).
   *
   * @return the new adapters by block path, in the order of {@code layers}
   */
  static Map<String, AdapterLayer> replace(
      AdapterSpec spec, Block root, Map<String, AdapterLayer> layers, long seed) {
    Map<String, AdapterLayer> replacements = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, AdapterLayer> layer : layers.entrySet()) {
        replacements.put(layer.getKey(), AdapterKind.create(layer.getValue().baseLayer(),
            layer.getValue().config(), spec.taskRouter(), layerSeed(seed, layer.getKey())));
      }
    } catch (RuntimeException e) {
      replacements.values().forEach(AdapterLayer::releaseAdapter);
      throw e;
    }
    Map<String, Block> paths = BlockPaths.of(root);
    for (Map.Entry<String, AdapterLayer> layer : layers.entrySet()) {
      String path = layer.getKey();
      ChildReplacer.replace(parent(root, paths, path), layer.getValue(), replacements.get(path), path);
    }
    return replacements;
  }

  /** Undoes {@link #replace}: the old adapters back in their places, the new ones released. */
  static void replaceBack(Block root, Map<String, AdapterLayer> replacements, Map<String, AdapterLayer> layers) {
    Map<String, Block> paths = BlockPaths.of(root);
    for (Map.Entry<String, AdapterLayer> layer : layers.entrySet()) {
      String path = layer.getKey();
      ChildReplacer.replace(parent(root, paths, path), replacements.get(path), layer.getValue(), path);
    }
    replacements.values().forEach(AdapterLayer::releaseAdapter);
  }

  /** A per-layer seed, so a layer's initialisation does not depend on the order of attachment. */
  static long layerSeed(long seed, String path) {
    return seed * 0x9E3779B97F4A7C15L + path.hashCode();
  }

  private Map<String, AdapterLayer> swap(long seed) {
    List<AdapterLayer> adapters = new ArrayList<>();
    Map<String, AdapterLayer> swapped = new LinkedHashMap<>();
    try {
      for (Target target : targets) {
        adapters.add(AdapterKind.create(
            target.layer(), target.config(), spec.taskRouter(), layerSeed(seed, target.path())));
      }
      for (int i = 0; i < targets.size(); i++) {
        Target target = targets.get(i);
        ChildReplacer.replace(target.parent(), target.layer(), adapters.get(i), target.path());
        swapped.put(target.path(), adapters.get(i));
      }
      return swapped;
    } catch (RuntimeException e) {
      for (int i = 0; i < swapped.size(); i++) {
        Target target = targets.get(i);
        ChildReplacer.replace(target.parent(), adapters.get(i), target.layer(), target.path());
      }
      adapters.forEach(AdapterLayer::releaseAdapter);
      throw e;
    }
  }

  private void planField(String name, AdapterConfig config) {
    String owner = root.getClass().getName() + "." + name;
    Linear layer = readField(name, owner);
    String path = childSegment(layer, owner);
    claim(path, layer, "field " + owner);
    targets.add(new Target(path, root, layer, config));
  }

  private Linear readField(String name, String owner) {
    for (Class<?> type = root.getClass(); type != null; type = type.getSuperclass()) {
      Field field;
      try {
        field = type.getDeclaredField(name);
      } catch (NoSuchFieldException e) {
        continue; // look in the superclass
      }
      Object value;
      try {
        field.setAccessible(true);
        value = field.get(root);
      } catch (IllegalAccessException | RuntimeException e) {
        throw new IllegalStateException("cannot read field " + owner + ": " + e, e);
      }
      if (value == null) {
        throw new IllegalStateException(
            "field " + owner + " is null; create its Linear in the constructor before attaching");
      }
      if (!(value instanceof Linear linear)) {
        throw new IllegalStateException("field " + owner + " holds a " + value.getClass().getName()
            + ", not an ai.djl.nn.core.Linear");
      }
      return linear;
    }
    throw new IllegalArgumentException(
        spec.declaringType() + " declares an adapter on field '" + name + "', but "
            + root.getClass().getName() + " has no such field; attach it to the declaring class");
  }

  private String childSegment(Linear layer, String owner) {
    List<String> segments = BlockPaths.childSegments(root);
    List<Block> children = root.getChildren().values();
    for (int i = 0; i < children.size(); i++) {
      if (children.get(i) == layer) {
        return segments.get(i);
      }
    }
    throw new IllegalStateException(
        "field " + owner + " holds a Linear that is not a child block of "
            + root.getClass().getName() + "; register it with addChildBlock");
  }

  private void planPattern(PathPattern pattern, AdapterConfig config, Map<String, Block> paths) {
    int matched = 0;
    for (Map.Entry<String, Block> entry : paths.entrySet()) {
      String path = entry.getKey();
      if (!pattern.matches(path) || !(entry.getValue() instanceof Linear linear)) {
        continue;
      }
      matched++;
      claim(path, linear, "pattern '" + pattern + "'");
      targets.add(new Target(path, parent(root, paths, path), linear, config));
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

  private static Block parent(Block root, Map<String, Block> paths, String path) {
    int dot = path.lastIndexOf('.');
    return dot < 0 ? root : paths.get(path.substring(0, dot));
  }
}
