/**
 * An instance's data volumes (`instances[].volumes`): each mounted at its `mountPath` in the
 * server and in every locale pod, from one source: a PersistentVolumeClaim that exists, one the
 * stack declares (never a workflow, so the nightly delete and the next deploy keep its data), or a
 * directory of the node. What a volume must not collide with (the image's paths, the program's own
 * volumes, another volume) is checked across keys (cross-rules.ts).
 */
import { z } from "zod";
import * as rules from "./rules";
import { doc } from "./key-docs";
import { checked, strictObject } from "./schema-kit";

/** Kubernetes' access modes of a claim. */
const ACCESS_MODES = ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"] as const;
/** The host path checks that fit a data directory (unset: none, as the charts' hostPath). */
const HOST_PATH_TYPES = ["Directory", "DirectoryOrCreate"] as const;

const absolutePath = () => checked(rules.absolutePath, "absolute path");

/** A PersistentVolumeClaim the stack declares for the instance. */
const claimSchema = strictObject({
    storageClass: doc(checked((v) => (v === "" ? undefined : rules.dnsSubdomain(v)), 'DNS subdomain, or `""`').optional(), {
        default: "unset: the cluster's default StorageClass",
        description: 'the claim\'s `storageClassName`; `""` binds only a PersistentVolume without a class',
        replaces: "– (the charts mounted a host path only)",
    }),
    size: doc(
        checked((v) => rules.quantity(v) ?? (rules.quantityValue(v) > 0 ? undefined : "must be more than zero"), "quantity"),
        {
            default: "**required** (with `claim`)",
            description: "the storage the claim requests (`resources.requests.storage`); it may grow later if the class allows expansion",
            replaces: "–",
        },
    ),
    accessMode: doc(z.enum(ACCESS_MODES).default("ReadWriteOnce"), {
        description:
            "the claim's access mode; the server and every locale mount it, so `ReadWriteOnce` keeps all of them on one node (several nodes need `ReadWriteMany`) and `ReadWriteOncePod` allows no locale",
        replaces: "–",
    }),
    retainOnDestroy: doc(z.boolean().default(true), {
        description:
            "`pulumi destroy` (or dropping the volume from the config) leaves the claim and its data in the cluster and forgets it in the state; `false`: deletes it (docs/operations.md)",
        replaces: "–",
    }),
});

const hostPathSchema = strictObject({
    path: doc(absolutePath(), {
        default: "**required** (with `hostPath`)",
        description: "the node's directory; only where Pod Security allows hostPath volumes (`privileged`)",
        replaces: "the charts' `persistence.hostPath` (with `persistence.enabled`)",
    }),
    type: doc(z.enum(HOST_PATH_TYPES).optional(), {
        default: "unset: no check (the charts')",
        description: "`Directory`: it must exist; `DirectoryOrCreate`: the kubelet makes it (owned by root)",
        replaces: "–",
    }),
});

const SOURCES = ["existingClaim", "claim", "hostPath"] as const;

/** One data volume: a name, where it is mounted, and exactly one source. */
export const volumeSchema = doc(
    strictObject({
        name: doc(checked(rules.dnsLabel, "DNS label"), {
            description:
                "the pod volume's name, unique in the instance and none the program uses; names the claim `<instance>-<name>` with `claim`",
            replaces: "– (the charts' volume was named `locale`)",
        }),
        mountPath: doc(absolutePath(), {
            description:
                "where the server and every locale see it; unique in the instance, and neither on, below nor above a path of the image (docs/image-contract.md)",
            replaces: "the charts' `persistence.containerPath`",
        }),
        existingClaim: doc(checked(rules.dnsSubdomain, "DNS subdomain").optional(), {
            description: "an existing PersistentVolumeClaim of the namespace, by name; neither the stack nor a workflow ever changes it",
            replaces: "–",
        }),
        claim: claimSchema.optional(),
        hostPath: hostPathSchema.optional(),
    }).superRefine((v, ctx) => {
        const given = SOURCES.filter((key) => v[key] !== undefined);
        if (given.length === 0)
            ctx.addIssue({
                code: "custom",
                path: [],
                input: v.name,
                message: `needs one source: existingClaim (a claim by name), claim (one the stack declares) or hostPath (a node directory)`,
            });
        for (const extra of given.slice(1))
            ctx.addIssue({
                code: "custom",
                path: [extra],
                input: v[extra],
                message: `cannot be combined with ${given[0]}: a volume has one source; make it a volume of its own`,
            });
    }),
    { table: "volume" },
);
