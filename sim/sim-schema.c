/*
 * The JSON field names of the API types ailab-kubesim serves, generated
 * by sim/gen-schema.py from kubernetes/api v0.32.4 (Kubernetes 1.32) and
 * apimachinery's meta/v1: what the apiserver's strict decoder knows, for
 * fieldValidation, and how strategic merge patches merge lists.  A field
 * with a type names the struct its value holds ("[]": each list item,
 * "{}": each map value); "@key" merges a list of structs by that key, a
 * bare "@" merges a list of scalars as a set; other fields hold scalars,
 * lists of scalars or free-form maps.  Status is not checked.  Do not
 * edit; regenerate.
 */
#include "sim-int.h"

const struct sim_stype sim_stypes[] = {
	{ "AWSElasticBlockStoreVolumeSource",
	    "volumeID fsType partition readOnly" },
	{ "Affinity",
	    "nodeAffinity:NodeAffinity podAffinity:PodAffinity "
	    "podAntiAffinity:PodAntiAffinity" },
	{ "AppArmorProfile", "type localhostProfile" },
	{ "AzureDiskVolumeSource",
	    "diskName diskURI cachingMode fsType readOnly kind" },
	{ "AzureFileVolumeSource", "secretName shareName readOnly" },
	{ "CSIVolumeSource",
	    "driver readOnly fsType volumeAttributes "
	    "nodePublishSecretRef:LocalObjectReference" },
	{ "Capabilities", "add drop" },
	{ "CephFSVolumeSource",
	    "monitors path user secretFile secretRef:LocalObjectReference "
	    "readOnly" },
	{ "CinderVolumeSource",
	    "volumeID fsType readOnly secretRef:LocalObjectReference" },
	{ "ClientIPConfig", "timeoutSeconds" },
	{ "ClusterTrustBundleProjection",
	    "name signerName labelSelector:LabelSelector optional path" },
	{ "ConfigMap",
	    "apiVersion kind metadata:ObjectMeta immutable data binaryData" },
	{ "ConfigMapEnvSource", "name optional" },
	{ "ConfigMapKeySelector", "name key optional" },
	{ "ConfigMapNodeConfigSource",
	    "namespace name uid resourceVersion kubeletConfigKey" },
	{ "ConfigMapProjection", "name items:[]KeyToPath optional" },
	{ "ConfigMapVolumeSource",
	    "name items:[]KeyToPath defaultMode optional" },
	{ "Container",
	    "name image command args workingDir "
	    "ports:[]ContainerPort@containerPort envFrom:[]EnvFromSource "
	    "env:[]EnvVar@name resources:ResourceRequirements "
	    "resizePolicy:[]ContainerResizePolicy restartPolicy "
	    "volumeMounts:[]VolumeMount@mountPath "
	    "volumeDevices:[]VolumeDevice@devicePath livenessProbe:Probe "
	    "readinessProbe:Probe startupProbe:Probe lifecycle:Lifecycle "
	    "terminationMessagePath terminationMessagePolicy imagePullPolicy "
	    "securityContext:SecurityContext stdin stdinOnce tty" },
	{ "ContainerPort", "name hostPort containerPort protocol hostIP" },
	{ "ContainerResizePolicy", "resourceName restartPolicy" },
	{ "DownwardAPIProjection", "items:[]DownwardAPIVolumeFile" },
	{ "DownwardAPIVolumeFile",
	    "path fieldRef:ObjectFieldSelector "
	    "resourceFieldRef:ResourceFieldSelector mode" },
	{ "DownwardAPIVolumeSource",
	    "items:[]DownwardAPIVolumeFile defaultMode" },
	{ "EmptyDirVolumeSource", "medium sizeLimit" },
	{ "EndpointAddress", "ip hostname nodeName targetRef:ObjectReference" },
	{ "EndpointPort", "name port protocol appProtocol" },
	{ "EndpointSubset",
	    "addresses:[]EndpointAddress notReadyAddresses:[]EndpointAddress "
	    "ports:[]EndpointPort" },
	{ "Endpoints",
	    "apiVersion kind metadata:ObjectMeta subsets:[]EndpointSubset" },
	{ "EnvFromSource",
	    "prefix configMapRef:ConfigMapEnvSource "
	    "secretRef:SecretEnvSource" },
	{ "EnvVar", "name value valueFrom:EnvVarSource" },
	{ "EnvVarSource",
	    "fieldRef:ObjectFieldSelector "
	    "resourceFieldRef:ResourceFieldSelector "
	    "configMapKeyRef:ConfigMapKeySelector "
	    "secretKeyRef:SecretKeySelector" },
	{ "EphemeralContainer",
	    "name image command args workingDir "
	    "ports:[]ContainerPort@containerPort envFrom:[]EnvFromSource "
	    "env:[]EnvVar@name resources:ResourceRequirements "
	    "resizePolicy:[]ContainerResizePolicy restartPolicy "
	    "volumeMounts:[]VolumeMount@mountPath "
	    "volumeDevices:[]VolumeDevice@devicePath livenessProbe:Probe "
	    "readinessProbe:Probe startupProbe:Probe lifecycle:Lifecycle "
	    "terminationMessagePath terminationMessagePolicy imagePullPolicy "
	    "securityContext:SecurityContext stdin stdinOnce tty "
	    "targetContainerName" },
	{ "EphemeralVolumeSource",
	    "volumeClaimTemplate:PersistentVolumeClaimTemplate" },
	{ "Event",
	    "apiVersion kind metadata:ObjectMeta "
	    "involvedObject:ObjectReference reason message "
	    "source:EventSource firstTimestamp lastTimestamp count type "
	    "eventTime series:EventSeries action related:ObjectReference "
	    "reportingComponent reportingInstance" },
	{ "EventSeries", "count lastObservedTime" },
	{ "EventSource", "component host" },
	{ "ExecAction", "command" },
	{ "FCVolumeSource", "targetWWNs lun fsType readOnly wwids" },
	{ "FlexVolumeSource",
	    "driver fsType secretRef:LocalObjectReference readOnly options" },
	{ "FlockerVolumeSource", "datasetName datasetUUID" },
	{ "GCEPersistentDiskVolumeSource", "pdName fsType partition readOnly" },
	{ "GRPCAction", "port service" },
	{ "GitRepoVolumeSource", "repository revision directory" },
	{ "GlusterfsVolumeSource", "endpoints path readOnly" },
	{ "HTTPGetAction", "path port host scheme httpHeaders:[]HTTPHeader" },
	{ "HTTPHeader", "name value" },
	{ "HostAlias", "ip hostnames" },
	{ "HostPathVolumeSource", "path type" },
	{ "ISCSIVolumeSource",
	    "targetPortal iqn lun iscsiInterface fsType readOnly portals "
	    "chapAuthDiscovery chapAuthSession "
	    "secretRef:LocalObjectReference initiatorName" },
	{ "ImageVolumeSource", "reference pullPolicy" },
	{ "KeyToPath", "key path mode" },
	{ "LabelSelector",
	    "matchLabels matchExpressions:[]LabelSelectorRequirement" },
	{ "LabelSelectorRequirement", "key operator values" },
	{ "Lifecycle", "postStart:LifecycleHandler preStop:LifecycleHandler" },
	{ "LifecycleHandler",
	    "exec:ExecAction httpGet:HTTPGetAction tcpSocket:TCPSocketAction "
	    "sleep:SleepAction" },
	{ "LimitRange",
	    "apiVersion kind metadata:ObjectMeta spec:LimitRangeSpec" },
	{ "LimitRangeItem",
	    "type max min default defaultRequest maxLimitRequestRatio" },
	{ "LimitRangeSpec", "limits:[]LimitRangeItem" },
	{ "LocalObjectReference", "name" },
	{ "ManagedFieldsEntry",
	    "manager operation apiVersion time fieldsType fieldsV1 "
	    "subresource" },
	{ "NFSVolumeSource", "server path readOnly" },
	{ "Namespace",
	    "apiVersion kind metadata:ObjectMeta spec:NamespaceSpec status" },
	{ "NamespaceSpec", "finalizers" },
	{ "Node", "apiVersion kind metadata:ObjectMeta spec:NodeSpec status" },
	{ "NodeAffinity",
	    "requiredDuringSchedulingIgnoredDuringExecution:NodeSelector "
	    "preferredDuringSchedulingIgnoredDuringExecution:[]PreferredSchedulingTerm" },
	{ "NodeConfigSource", "configMap:ConfigMapNodeConfigSource" },
	{ "NodeSelector", "nodeSelectorTerms:[]NodeSelectorTerm" },
	{ "NodeSelectorRequirement", "key operator values" },
	{ "NodeSelectorTerm",
	    "matchExpressions:[]NodeSelectorRequirement "
	    "matchFields:[]NodeSelectorRequirement" },
	{ "NodeSpec",
	    "podCIDR podCIDRs@ providerID unschedulable taints:[]Taint "
	    "configSource:NodeConfigSource externalID" },
	{ "ObjectFieldSelector", "apiVersion fieldPath" },
	{ "ObjectMeta",
	    "name generateName namespace selfLink uid resourceVersion "
	    "generation creationTimestamp deletionTimestamp "
	    "deletionGracePeriodSeconds labels annotations "
	    "ownerReferences:[]OwnerReference@uid finalizers@ "
	    "managedFields:[]ManagedFieldsEntry" },
	{ "ObjectReference",
	    "kind namespace name uid apiVersion resourceVersion fieldPath" },
	{ "OwnerReference",
	    "apiVersion kind name uid controller blockOwnerDeletion" },
	{ "PersistentVolumeClaim",
	    "apiVersion kind metadata:ObjectMeta "
	    "spec:PersistentVolumeClaimSpec status" },
	{ "PersistentVolumeClaimSpec",
	    "accessModes selector:LabelSelector "
	    "resources:VolumeResourceRequirements volumeName "
	    "storageClassName volumeMode "
	    "dataSource:TypedLocalObjectReference "
	    "dataSourceRef:TypedObjectReference volumeAttributesClassName" },
	{ "PersistentVolumeClaimTemplate",
	    "metadata:ObjectMeta spec:PersistentVolumeClaimSpec" },
	{ "PersistentVolumeClaimVolumeSource", "claimName readOnly" },
	{ "PhotonPersistentDiskVolumeSource", "pdID fsType" },
	{ "Pod", "apiVersion kind metadata:ObjectMeta spec:PodSpec status" },
	{ "PodAffinity",
	    "requiredDuringSchedulingIgnoredDuringExecution:[]PodAffinityTerm "
	    "preferredDuringSchedulingIgnoredDuringExecution:[]WeightedPodAffinityTerm" },
	{ "PodAffinityTerm",
	    "labelSelector:LabelSelector namespaces topologyKey "
	    "namespaceSelector:LabelSelector matchLabelKeys "
	    "mismatchLabelKeys" },
	{ "PodAntiAffinity",
	    "requiredDuringSchedulingIgnoredDuringExecution:[]PodAffinityTerm "
	    "preferredDuringSchedulingIgnoredDuringExecution:[]WeightedPodAffinityTerm" },
	{ "PodDNSConfig", "nameservers searches options:[]PodDNSConfigOption" },
	{ "PodDNSConfigOption", "name value" },
	{ "PodOS", "name" },
	{ "PodReadinessGate", "conditionType" },
	{ "PodResourceClaim",
	    "name resourceClaimName resourceClaimTemplateName" },
	{ "PodSchedulingGate", "name" },
	{ "PodSecurityContext",
	    "seLinuxOptions:SELinuxOptions "
	    "windowsOptions:WindowsSecurityContextOptions runAsUser "
	    "runAsGroup runAsNonRoot supplementalGroups "
	    "supplementalGroupsPolicy fsGroup sysctls:[]Sysctl "
	    "fsGroupChangePolicy seccompProfile:SeccompProfile "
	    "appArmorProfile:AppArmorProfile seLinuxChangePolicy" },
	{ "PodSpec",
	    "volumes:[]Volume@name initContainers:[]Container@name "
	    "containers:[]Container@name "
	    "ephemeralContainers:[]EphemeralContainer@name restartPolicy "
	    "terminationGracePeriodSeconds activeDeadlineSeconds dnsPolicy "
	    "nodeSelector serviceAccountName serviceAccount "
	    "automountServiceAccountToken nodeName hostNetwork hostPID "
	    "hostIPC shareProcessNamespace "
	    "securityContext:PodSecurityContext "
	    "imagePullSecrets:[]LocalObjectReference@name hostname subdomain "
	    "affinity:Affinity schedulerName tolerations:[]Toleration "
	    "hostAliases:[]HostAlias@ip priorityClassName priority "
	    "dnsConfig:PodDNSConfig readinessGates:[]PodReadinessGate "
	    "runtimeClassName enableServiceLinks preemptionPolicy overhead "
	    "topologySpreadConstraints:[]TopologySpreadConstraint@topologyKey "
	    "setHostnameAsFQDN os:PodOS hostUsers "
	    "schedulingGates:[]PodSchedulingGate@name "
	    "resourceClaims:[]PodResourceClaim@name "
	    "resources:ResourceRequirements" },
	{ "PodTemplate",
	    "apiVersion kind metadata:ObjectMeta template:PodTemplateSpec" },
	{ "PodTemplateSpec", "metadata:ObjectMeta spec:PodSpec" },
	{ "PortworxVolumeSource", "volumeID fsType readOnly" },
	{ "PreferredSchedulingTerm", "weight preference:NodeSelectorTerm" },
	{ "Probe",
	    "exec:ExecAction httpGet:HTTPGetAction tcpSocket:TCPSocketAction "
	    "grpc:GRPCAction initialDelaySeconds timeoutSeconds "
	    "periodSeconds successThreshold failureThreshold "
	    "terminationGracePeriodSeconds" },
	{ "ProjectedVolumeSource", "sources:[]VolumeProjection defaultMode" },
	{ "QuobyteVolumeSource", "registry volume readOnly user group tenant" },
	{ "RBDVolumeSource",
	    "monitors image fsType pool user keyring "
	    "secretRef:LocalObjectReference readOnly" },
	{ "ResourceClaim", "name request" },
	{ "ResourceFieldSelector", "containerName resource divisor" },
	{ "ResourceQuota",
	    "apiVersion kind metadata:ObjectMeta spec:ResourceQuotaSpec "
	    "status" },
	{ "ResourceQuotaSpec", "hard scopes scopeSelector:ScopeSelector" },
	{ "ResourceRequirements", "limits requests claims:[]ResourceClaim" },
	{ "SELinuxOptions", "user role type level" },
	{ "ScaleIOVolumeSource",
	    "gateway system secretRef:LocalObjectReference sslEnabled "
	    "protectionDomain storagePool storageMode volumeName fsType "
	    "readOnly" },
	{ "ScopeSelector",
	    "matchExpressions:[]ScopedResourceSelectorRequirement" },
	{ "ScopedResourceSelectorRequirement", "scopeName operator values" },
	{ "SeccompProfile", "type localhostProfile" },
	{ "Secret",
	    "apiVersion kind metadata:ObjectMeta immutable data stringData "
	    "type" },
	{ "SecretEnvSource", "name optional" },
	{ "SecretKeySelector", "name key optional" },
	{ "SecretProjection", "name items:[]KeyToPath optional" },
	{ "SecretVolumeSource",
	    "secretName items:[]KeyToPath defaultMode optional" },
	{ "SecurityContext",
	    "capabilities:Capabilities privileged "
	    "seLinuxOptions:SELinuxOptions "
	    "windowsOptions:WindowsSecurityContextOptions runAsUser "
	    "runAsGroup runAsNonRoot readOnlyRootFilesystem "
	    "allowPrivilegeEscalation procMount "
	    "seccompProfile:SeccompProfile appArmorProfile:AppArmorProfile" },
	{ "Service",
	    "apiVersion kind metadata:ObjectMeta spec:ServiceSpec status" },
	{ "ServiceAccount",
	    "apiVersion kind metadata:ObjectMeta "
	    "secrets:[]ObjectReference@name "
	    "imagePullSecrets:[]LocalObjectReference "
	    "automountServiceAccountToken" },
	{ "ServiceAccountTokenProjection", "audience expirationSeconds path" },
	{ "ServicePort", "name protocol appProtocol port targetPort nodePort" },
	{ "ServiceSpec",
	    "ports:[]ServicePort@port selector clusterIP clusterIPs type "
	    "externalIPs sessionAffinity loadBalancerIP "
	    "loadBalancerSourceRanges externalName externalTrafficPolicy "
	    "healthCheckNodePort publishNotReadyAddresses "
	    "sessionAffinityConfig:SessionAffinityConfig ipFamilies "
	    "ipFamilyPolicy allocateLoadBalancerNodePorts loadBalancerClass "
	    "internalTrafficPolicy trafficDistribution" },
	{ "SessionAffinityConfig", "clientIP:ClientIPConfig" },
	{ "SleepAction", "seconds" },
	{ "StorageOSVolumeSource",
	    "volumeName volumeNamespace fsType readOnly "
	    "secretRef:LocalObjectReference" },
	{ "Sysctl", "name value" },
	{ "TCPSocketAction", "port host" },
	{ "Taint", "key value effect timeAdded" },
	{ "Toleration", "key operator value effect tolerationSeconds" },
	{ "TopologySpreadConstraint",
	    "maxSkew topologyKey whenUnsatisfiable "
	    "labelSelector:LabelSelector minDomains nodeAffinityPolicy "
	    "nodeTaintsPolicy matchLabelKeys" },
	{ "TypedLocalObjectReference", "apiGroup kind name" },
	{ "TypedObjectReference", "apiGroup kind name namespace" },
	{ "Volume",
	    "name hostPath:HostPathVolumeSource "
	    "emptyDir:EmptyDirVolumeSource "
	    "gcePersistentDisk:GCEPersistentDiskVolumeSource "
	    "awsElasticBlockStore:AWSElasticBlockStoreVolumeSource "
	    "gitRepo:GitRepoVolumeSource secret:SecretVolumeSource "
	    "nfs:NFSVolumeSource iscsi:ISCSIVolumeSource "
	    "glusterfs:GlusterfsVolumeSource "
	    "persistentVolumeClaim:PersistentVolumeClaimVolumeSource "
	    "rbd:RBDVolumeSource flexVolume:FlexVolumeSource "
	    "cinder:CinderVolumeSource cephfs:CephFSVolumeSource "
	    "flocker:FlockerVolumeSource downwardAPI:DownwardAPIVolumeSource "
	    "fc:FCVolumeSource azureFile:AzureFileVolumeSource "
	    "configMap:ConfigMapVolumeSource "
	    "vsphereVolume:VsphereVirtualDiskVolumeSource "
	    "quobyte:QuobyteVolumeSource azureDisk:AzureDiskVolumeSource "
	    "photonPersistentDisk:PhotonPersistentDiskVolumeSource "
	    "projected:ProjectedVolumeSource "
	    "portworxVolume:PortworxVolumeSource scaleIO:ScaleIOVolumeSource "
	    "storageos:StorageOSVolumeSource csi:CSIVolumeSource "
	    "ephemeral:EphemeralVolumeSource image:ImageVolumeSource" },
	{ "VolumeDevice", "name devicePath" },
	{ "VolumeMount",
	    "name readOnly recursiveReadOnly mountPath subPath "
	    "mountPropagation subPathExpr" },
	{ "VolumeProjection",
	    "secret:SecretProjection downwardAPI:DownwardAPIProjection "
	    "configMap:ConfigMapProjection "
	    "serviceAccountToken:ServiceAccountTokenProjection "
	    "clusterTrustBundle:ClusterTrustBundleProjection" },
	{ "VolumeResourceRequirements", "limits requests" },
	{ "VsphereVirtualDiskVolumeSource",
	    "volumePath fsType storagePolicyName storagePolicyID" },
	{ "WeightedPodAffinityTerm", "weight podAffinityTerm:PodAffinityTerm" },
	{ "WindowsSecurityContextOptions",
	    "gmsaCredentialSpecName gmsaCredentialSpec runAsUserName "
	    "hostProcess" },
	{ "apps.DaemonSet",
	    "apiVersion kind metadata:ObjectMeta spec:apps.DaemonSetSpec "
	    "status" },
	{ "apps.DaemonSetSpec",
	    "selector:LabelSelector template:PodTemplateSpec "
	    "updateStrategy:apps.DaemonSetUpdateStrategy minReadySeconds "
	    "revisionHistoryLimit" },
	{ "apps.DaemonSetUpdateStrategy",
	    "type rollingUpdate:apps.RollingUpdateDaemonSet" },
	{ "apps.Deployment",
	    "apiVersion kind metadata:ObjectMeta spec:apps.DeploymentSpec "
	    "status" },
	{ "apps.DeploymentSpec",
	    "replicas selector:LabelSelector template:PodTemplateSpec "
	    "strategy:apps.DeploymentStrategy minReadySeconds "
	    "revisionHistoryLimit paused progressDeadlineSeconds" },
	{ "apps.DeploymentStrategy",
	    "type rollingUpdate:apps.RollingUpdateDeployment" },
	{ "apps.ReplicaSet",
	    "apiVersion kind metadata:ObjectMeta spec:apps.ReplicaSetSpec "
	    "status" },
	{ "apps.ReplicaSetSpec",
	    "replicas minReadySeconds selector:LabelSelector "
	    "template:PodTemplateSpec" },
	{ "apps.RollingUpdateDaemonSet", "maxUnavailable maxSurge" },
	{ "apps.RollingUpdateDeployment", "maxUnavailable maxSurge" },
	{ "apps.RollingUpdateStatefulSetStrategy", "partition maxUnavailable" },
	{ "apps.StatefulSet",
	    "apiVersion kind metadata:ObjectMeta spec:apps.StatefulSetSpec "
	    "status" },
	{ "apps.StatefulSetOrdinals", "start" },
	{ "apps.StatefulSetPersistentVolumeClaimRetentionPolicy",
	    "whenDeleted whenScaled" },
	{ "apps.StatefulSetSpec",
	    "replicas selector:LabelSelector template:PodTemplateSpec "
	    "volumeClaimTemplates:[]PersistentVolumeClaim serviceName "
	    "podManagementPolicy "
	    "updateStrategy:apps.StatefulSetUpdateStrategy "
	    "revisionHistoryLimit minReadySeconds "
	    "persistentVolumeClaimRetentionPolicy:apps.StatefulSetPersistentVolumeClaimRetentionPolicy "
	    "ordinals:apps.StatefulSetOrdinals" },
	{ "apps.StatefulSetUpdateStrategy",
	    "type rollingUpdate:apps.RollingUpdateStatefulSetStrategy" },
	{ "batch.CronJob",
	    "apiVersion kind metadata:ObjectMeta spec:batch.CronJobSpec "
	    "status" },
	{ "batch.CronJobSpec",
	    "schedule timeZone startingDeadlineSeconds concurrencyPolicy "
	    "suspend jobTemplate:batch.JobTemplateSpec "
	    "successfulJobsHistoryLimit failedJobsHistoryLimit" },
	{ "batch.Job",
	    "apiVersion kind metadata:ObjectMeta spec:batch.JobSpec status" },
	{ "batch.JobSpec",
	    "parallelism completions activeDeadlineSeconds "
	    "podFailurePolicy:batch.PodFailurePolicy "
	    "successPolicy:batch.SuccessPolicy backoffLimit "
	    "backoffLimitPerIndex maxFailedIndexes selector:LabelSelector "
	    "manualSelector template:PodTemplateSpec ttlSecondsAfterFinished "
	    "completionMode suspend podReplacementPolicy managedBy" },
	{ "batch.JobTemplateSpec", "metadata:ObjectMeta spec:batch.JobSpec" },
	{ "batch.PodFailurePolicy", "rules:[]batch.PodFailurePolicyRule" },
	{ "batch.PodFailurePolicyOnExitCodesRequirement",
	    "containerName operator values" },
	{ "batch.PodFailurePolicyOnPodConditionsPattern", "type status" },
	{ "batch.PodFailurePolicyRule",
	    "action onExitCodes:batch.PodFailurePolicyOnExitCodesRequirement "
	    "onPodConditions:[]batch.PodFailurePolicyOnPodConditionsPattern" },
	{ "batch.SuccessPolicy", "rules:[]batch.SuccessPolicyRule" },
	{ "batch.SuccessPolicyRule", "succeededIndexes succeededCount" },
	{ "coord.Lease",
	    "apiVersion kind metadata:ObjectMeta spec:coord.LeaseSpec" },
	{ "coord.LeaseSpec",
	    "holderIdentity leaseDurationSeconds acquireTime renewTime "
	    "leaseTransitions strategy preferredHolder" },
	{ "disc.Endpoint",
	    "addresses conditions:disc.EndpointConditions hostname "
	    "targetRef:ObjectReference deprecatedTopology nodeName zone "
	    "hints:disc.EndpointHints" },
	{ "disc.EndpointConditions", "ready serving terminating" },
	{ "disc.EndpointHints", "forZones:[]disc.ForZone" },
	{ "disc.EndpointPort", "name protocol port appProtocol" },
	{ "disc.EndpointSlice",
	    "apiVersion kind metadata:ObjectMeta addressType "
	    "endpoints:[]disc.Endpoint ports:[]disc.EndpointPort" },
	{ "disc.ForZone", "name" },
};
const size_t sim_nstypes = sizeof sim_stypes / sizeof sim_stypes[0];
