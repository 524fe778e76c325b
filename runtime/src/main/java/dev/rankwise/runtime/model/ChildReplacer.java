package dev.rankwise.runtime.model;

import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.BlockList;
import java.lang.reflect.Field;
import java.lang.reflect.InaccessibleObjectException;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

/**
 * Puts a new block in the place of a child: same name, same position in the parent's children,
 * and every field of the parent that held the old child now holds the new one (DJL blocks call
 * their children through fields, so a swap of the children list alone would be silently bypassed).
 * Final instance fields are re-pointed too, by reflection, as deserialisation does: models
 * written without rankwise in mind often hold their layers in final fields.
 */
final class ChildReplacer {

  private static final Field CHILDREN = childrenField();

  private ChildReplacer() {}

  /**
   * Replaces {@code original} among {@code parent}'s direct children by {@code replacement}.
   *
   * @param path the child's block path, for messages
   * @throws IllegalStateException if the parent is not an {@link AbstractBlock}, the original is
   *     not its child, or a field holding it cannot be re-pointed; nothing changes then
   */
  public static void replace(Block parent, Block original, Block replacement, String path) {
    if (!(parent instanceof AbstractBlock)) {
      throw new IllegalStateException(
          "cannot replace '" + path + "': its parent " + parent.getClass().getName()
              + " does not extend ai.djl.nn.AbstractBlock, so its children cannot be swapped");
    }
    BlockList children = children((AbstractBlock) parent);
    int index = children.values().indexOf(original);
    if (index < 0) {
      throw new IllegalStateException(
          "'" + path + "' is not a child block of " + parent.getClass().getName()
              + "; register it with addChildBlock");
    }
    List<Field> fields = fieldsHolding(parent, original, replacement, path);
    children.values().set(index, replacement);
    for (Field field : fields) {
      try {
        field.set(parent, replacement);
      } catch (IllegalAccessException e) {
        throw new IllegalStateException("field " + field + " was made accessible but cannot be set", e);
      }
    }
  }

  /** The fields of {@code parent} that hold {@code original}, each checked to accept the replacement. */
  private static List<Field> fieldsHolding(Block parent, Block original, Block replacement, String path) {
    List<Field> holding = new ArrayList<>();
    for (Class<?> type = parent.getClass(); type != null; type = type.getSuperclass()) {
      for (Field field : type.getDeclaredFields()) {
        if (Modifier.isStatic(field.getModifiers()) || field.getType().isPrimitive()) {
          continue;
        }
        if (!field.getType().isAssignableFrom(replacement.getClass())
            && !field.getType().isAssignableFrom(original.getClass())) {
          continue;
        }
        try {
          field.setAccessible(true);
          if (field.get(parent) != original) {
            continue;
          }
        } catch (IllegalAccessException | InaccessibleObjectException e) {
          throw new IllegalStateException(
              "cannot attach an adapter at '" + path + "': field " + type.getName() + "."
                  + field.getName() + " cannot be re-pointed (" + e.getMessage() + ")",
              e);
        }
        if (!field.getType().isInstance(replacement)) {
          throw new IllegalStateException(
              "cannot attach an adapter at '" + path + "': field " + type.getName() + "."
                  + field.getName() + " has type " + field.getType().getName()
                  + ", which the adapter (a " + replacement.getClass().getSimpleName()
                  + ") is not; declare the field as ai.djl.nn.core.Linear");
        }
        holding.add(field);
      }
    }
    return holding;
  }

  private static BlockList children(AbstractBlock parent) {
    try {
      return (BlockList) CHILDREN.get(parent);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot read the children of " + parent.getClass(), e);
    }
  }

  private static Field childrenField() {
    try {
      Field field = AbstractBlock.class.getDeclaredField("children");
      field.setAccessible(true);
      return field;
    } catch (NoSuchFieldException e) {
      throw new ExceptionInInitializerError(
          "this DJL version has no AbstractBlock.children; rankwise needs DJL 0.36: " + e);
    }
  }
}
