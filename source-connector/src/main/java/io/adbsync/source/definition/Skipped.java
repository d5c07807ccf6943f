package io.adbsync.source.definition;

/**
 * Something the schema channel does not carry, and what the user does about it.
 *
 * @param object what it is, as messages name it: {@code function public.area(public.box2d)},
 *               {@code foreign key orders_customer_fkey of table public.orders}
 * @param reason why it is not carried and what to do at the destination
 */
public record Skipped(String object, String reason) {

    @Override
    public String toString() {
        return object + ": " + reason;
    }
}
