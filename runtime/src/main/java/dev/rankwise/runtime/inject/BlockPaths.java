package dev.rankwise.runtime.inject;

import ai.djl.nn.Block;
import ai.djl.nn.BlockList;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Names every block of a tree by its path, such as {@code encoder.layer.3.attention.self.query}.
 *
 * <p>DJL stores a child under {@code String.format("%02d%s", position, name)}; a path segment is
 * that name without the position prefix when it is unique among its siblings, and otherwise the
 * child's 0-based position (so a {@code SequentialBlock} of three anonymous layers gives {@code 0},
 * {@code 1}, {@code 2}, as PyTorch's {@code nn.Sequential} does). The root has the empty path.
 */
public final class BlockPaths {

  private BlockPaths() {}

  /** Every block below {@code root} (the root excluded) by path, in depth-first declaration order. */
  public static Map<String, Block> of(Block root) {
    Map<String, Block> paths = new LinkedHashMap<>();
    collect(root, "", paths);
    return paths;
  }

  /** The path segments of a block's direct children, in order. */
  public static List<String> childSegments(BlockList children) {
    List<String> names = new ArrayList<>(children.size());
    Map<String, Integer> counts = new HashMap<>();
    int position = 1;
    for (Pair<String, Block> child : children) {
      String name = stripPosition(child.getKey(), position++);
      names.add(name);
      counts.merge(name, 1, Integer::sum);
    }
    List<String> segments = new ArrayList<>(names.size());
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      segments.add(name.isEmpty() || counts.get(name) > 1 ? Integer.toString(i) : name);
    }
    return segments;
  }

  /** Joins a parent path and a child segment. */
  public static String join(String parent, String segment) {
    return parent.isEmpty() ? segment : parent + "." + segment;
  }

  private static void collect(Block block, String path, Map<String, Block> paths) {
    BlockList children = block.getChildren();
    List<String> segments = childSegments(children);
    for (int i = 0; i < children.size(); i++) {
      String childPath = join(path, segments.get(i));
      Block child = children.valueAt(i);
      paths.put(childPath, child);
      collect(child, childPath, paths);
    }
  }

  private static String stripPosition(String key, int position) {
    String prefix = String.format(Locale.ROOT, "%02d", position);
    return key.startsWith(prefix) ? key.substring(prefix.length()) : key;
  }
}
