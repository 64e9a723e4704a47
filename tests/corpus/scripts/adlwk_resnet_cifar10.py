# source: https://github.com/PacktPublishing/Advanced-Deep-Learning-with-Keras/blob/38b9a5cfc7a6fd25bfeb804d0bf2946add2f56ba/chapter2-deep-networks/resnet-cifar10-2.2.1.py
# license: MIT
# kerasmagic-corpus: rebuilt around the author's Keras calls (kept as written); the rest is written here
import os
import numpy as np
from tensorflow.keras.layers import Dense, Conv2D
from tensorflow.keras.layers import BatchNormalization, Activation
from tensorflow.keras.layers import AveragePooling2D, Input
from tensorflow.keras.layers import Flatten, add
from tensorflow.keras.optimizers import Adam
from tensorflow.keras.callbacks import ModelCheckpoint, LearningRateScheduler
from tensorflow.keras.callbacks import ReduceLROnPlateau
from tensorflow.keras.preprocessing.image import ImageDataGenerator
from tensorflow.keras.regularizers import l2
from tensorflow.keras.models import Model
from tensorflow.keras.utils import to_categorical

batch_size = 32
epochs = 1  # kerasmagic-corpus: cut (200)
num_classes = 10
n = 1  # kerasmagic-corpus: cut (3: ResNet20)
depth = n * 6 + 2
model_type = 'ResNet%dv%d' % (depth, 1)

# kerasmagic-corpus: synthetic data (CIFAR10-shaped arrays instead of cifar10.load_data())
rng = np.random.default_rng(4)
x_train = rng.integers(0, 256, (96, 32, 32, 3), dtype=np.uint8)
y_train = rng.integers(0, 10, (96, 1), dtype=np.uint8)
x_test = rng.integers(0, 256, (32, 32, 32, 3), dtype=np.uint8)
y_test = rng.integers(0, 10, (32, 1), dtype=np.uint8)

input_shape = x_train.shape[1:]
x_train = x_train.astype('float32') / 255
x_test = x_test.astype('float32') / 255
x_train_mean = np.mean(x_train, axis=0)
x_train -= x_train_mean
x_test -= x_train_mean
y_train = to_categorical(y_train, num_classes)
y_test = to_categorical(y_test, num_classes)


def flow(x, y, batch_size):
    # kerasmagic-corpus: synthetic data: datagen.flow(...) augments through scipy, which the test
    # environments do not install; this yields the same batches without augmentation
    while True:
        idx = np.random.randint(0, len(x), batch_size)
        yield x[idx], y[idx]


def lr_schedule(epoch):
    lr = 1e-3
    if epoch > 180:
        lr *= 0.5e-3
    elif epoch > 80:
        lr *= 1e-1
    print('Learning rate: ', lr)
    return lr


def resnet_layer(inputs, num_filters=16, kernel_size=3, strides=1, activation='relu'):
    conv = Conv2D(num_filters,
                  kernel_size=kernel_size,
                  strides=strides,
                  padding='same',
                  kernel_initializer='he_normal',
                  kernel_regularizer=l2(1e-4))
    x = conv(inputs)
    x = BatchNormalization()(x)
    if activation is not None:
        x = Activation(activation)(x)
    return x


def resnet_v1(input_shape, depth, num_classes=10):
    num_filters = 16
    num_res_blocks = int((depth - 2) / 6)
    inputs = Input(shape=input_shape)
    x = resnet_layer(inputs=inputs)
    for stack in range(3):
        for res_block in range(num_res_blocks):
            strides = 2 if stack > 0 and res_block == 0 else 1
            y = resnet_layer(inputs=x, num_filters=num_filters, strides=strides)
            y = resnet_layer(inputs=y, num_filters=num_filters, activation=None)
            if stack > 0 and res_block == 0:
                x = Conv2D(num_filters, kernel_size=1, strides=strides, padding='same',
                           kernel_initializer='he_normal', kernel_regularizer=l2(1e-4))(x)
            x = add([x, y])
            x = Activation('relu')(x)
        num_filters *= 2
    x = AveragePooling2D(pool_size=8)(x)
    y = Flatten()(x)
    outputs = Dense(num_classes, activation='softmax', kernel_initializer='he_normal')(y)
    return Model(inputs=inputs, outputs=outputs)


model = resnet_v1(input_shape=input_shape, depth=depth)
model.compile(loss='categorical_crossentropy',
              optimizer=Adam(lr=lr_schedule(0)),
              metrics=['accuracy'])
model.summary()
# kerasmagic-corpus: plot_model(...) removed (needs pydot and graphviz, not installed)
print(model_type)

save_dir = os.path.join(os.getcwd(), 'saved_models')
model_name = 'cifar10_%s_model.{epoch:03d}.h5' % model_type
if not os.path.isdir(save_dir):
    os.makedirs(save_dir)
filepath = os.path.join(save_dir, model_name)

checkpoint = ModelCheckpoint(filepath=filepath,
                             monitor='val_accuracy',
                             verbose=1,
                             save_best_only=True)
lr_scheduler = LearningRateScheduler(lr_schedule)
lr_reducer = ReduceLROnPlateau(factor=np.sqrt(0.1),
                               cooldown=0,
                               patience=5,
                               min_lr=0.5e-6)
callbacks = [checkpoint, lr_reducer, lr_scheduler]

datagen = ImageDataGenerator(
    featurewise_center=False,
    samplewise_center=False,
    featurewise_std_normalization=False,
    samplewise_std_normalization=False,
    zca_whitening=False,
    rotation_range=0,
    width_shift_range=0.1,
    height_shift_range=0.1,
    horizontal_flip=True,
    vertical_flip=False)
datagen.fit(x_train)
model.fit_generator(flow(x_train, y_train, batch_size=batch_size),  # kerasmagic-corpus: the author's datagen.flow(...)
                    validation_data=(x_test, y_test),
                    epochs=epochs, verbose=1,
                    steps_per_epoch=len(x_train)//batch_size,
                    callbacks=callbacks)

scores = model.evaluate(x_test, y_test, batch_size=batch_size, verbose=0)
print('Test loss:', scores[0])
print('Test accuracy:', scores[1])
