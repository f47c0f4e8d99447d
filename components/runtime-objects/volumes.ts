/**
 * An instance's data volumes in its server and locale pods: the pod volumes and the Arkouda
 * containers' mounts made from `instances[].volumes` (as the parameters carry them), and the names
 * of the volumes the program mounts itself, which no data volume may take.
 */
import type * as k8s from "@pulumi/kubernetes";
import type { InstanceConfig } from "../config/types";
import { claimName } from "../names";
import { EXPORTER_HOME } from "../pod-security";

type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;

/** One entry of `instances[].volumes`. */
export type DataVolume = InstanceConfig["volumes"][number];

/** The volumes the program gives the Arkouda pods, by what they hold. */
export const ARKOUDA_VOLUMES = {
    launchScript: "launch-script",
    saToken: "sa-token",
    sshKeys: "ssh-keys",
    serverToken: "server-token",
} as const;

/** Every pod volume name the program uses in a server or locale pod (the exporter sidecar's home among them). */
export const PROGRAM_VOLUME_NAMES: readonly string[] = [...Object.values(ARKOUDA_VOLUMES), EXPORTER_HOME.volume];

/** The pod volume of one data volume: the claim it names, the one the stack declares for the instance, or the host directory. */
function podVolume(instance: string, v: DataVolume): Volume {
    if (v.existingClaim !== undefined) return { name: v.name, persistentVolumeClaim: { claimName: v.existingClaim } };
    if (v.claim !== undefined) return { name: v.name, persistentVolumeClaim: { claimName: claimName(instance, v.name) } };
    if (v.hostPath !== undefined)
        return { name: v.name, hostPath: { path: v.hostPath.path, ...(v.hostPath.type !== undefined && { type: v.hostPath.type }) } };
    throw new Error(`volume ${v.name} has no source: resolve the config through components/config, which refuses it`);
}

/** The server's and locales' pod volumes for `instances[].volumes`, in the order written. */
export function dataPodVolumes(instance: Pick<InstanceConfig, "name" | "volumes">): Volume[] {
    return instance.volumes.map((v) => podVolume(instance.name, v));
}

/** The Arkouda container's mounts for `instances[].volumes` (never the exporter sidecar's: it reads no data). */
export function dataVolumeMounts(volumes: InstanceConfig["volumes"]): VolumeMount[] {
    return volumes.map((v) => ({ name: v.name, mountPath: v.mountPath }));
}
