/**
 * The subset of WebUSB's `USBDevice` the driver uses. The browser's `navigator.usb`
 * devices, node-usb v3's WebUSB devices and sim/'s virtual reader all satisfy it
 * structurally, so the driver never touches a platform API itself. Buffers sent are
 * `Uint8Array<ArrayBuffer>` because WebUSB's BufferSource excludes SharedArrayBuffer views.
 */

export type UsbDirection = 'in' | 'out';

export interface UsbEndpointLike {
  readonly endpointNumber: number;
  readonly direction: UsbDirection;
  /** 'bulk' | 'interrupt' | 'isochronous' in WebUSB. */
  readonly type: string;
  readonly packetSize?: number;
}

export interface UsbAlternateLike {
  readonly alternateSetting: number;
  readonly interfaceClass: number;
  readonly interfaceSubclass: number;
  readonly interfaceProtocol: number;
  readonly endpoints: readonly UsbEndpointLike[];
}

export interface UsbInterfaceLike {
  readonly interfaceNumber: number;
  readonly alternates: readonly UsbAlternateLike[];
}

export interface UsbConfigurationLike {
  readonly configurationValue: number;
  readonly interfaces: readonly UsbInterfaceLike[];
}

export interface UsbControlSetup {
  requestType: 'standard' | 'class' | 'vendor';
  recipient: 'device' | 'interface' | 'endpoint' | 'other';
  request: number;
  value: number;
  index: number;
}

export interface UsbInResult {
  readonly data?: DataView | undefined;
  /** 'ok' | 'stall' | 'babble' */
  readonly status?: string | undefined;
}

export interface UsbOutResult {
  readonly bytesWritten?: number;
  readonly status?: string | undefined;
}

export interface UsbDeviceLike {
  readonly vendorId: number;
  readonly productId: number;
  readonly productName?: string | null | undefined;
  readonly manufacturerName?: string | null | undefined;
  readonly serialNumber?: string | null | undefined;
  readonly opened: boolean;
  readonly configuration?: UsbConfigurationLike | null | undefined;
  readonly configurations: readonly UsbConfigurationLike[];
  open(): Promise<void>;
  close(): Promise<void>;
  selectConfiguration(configurationValue: number): Promise<void>;
  claimInterface(interfaceNumber: number): Promise<void>;
  releaseInterface(interfaceNumber: number): Promise<void>;
  controlTransferIn(setup: UsbControlSetup, length: number): Promise<UsbInResult>;
  controlTransferOut(setup: UsbControlSetup, data?: Uint8Array<ArrayBuffer>): Promise<UsbOutResult>;
  transferIn(endpointNumber: number, length: number): Promise<UsbInResult>;
  transferOut(endpointNumber: number, data: Uint8Array<ArrayBuffer>): Promise<UsbOutResult>;
  clearHalt(direction: UsbDirection, endpointNumber: number): Promise<void>;
  /** USB port reset; WebUSB's only way to cancel transfers in flight (they reject). Optional: not every host has it. */
  reset?(): Promise<void>;
}

/** The bytes of an IN transfer, as a fresh Uint8Array view. */
export function inData(result: UsbInResult): Uint8Array {
  const view = result.data;
  if (!view) return new Uint8Array(0);
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}
