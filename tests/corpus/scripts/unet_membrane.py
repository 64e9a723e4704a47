# source: https://github.com/zhixuhao/unet/blob/3951284d177ddb8a4beb543504caa65351cecd99/model.py
# license: MIT
# kerasmagic-corpus: rebuilt around the author's Keras calls (kept as written) of model.py and
# main.py (https://github.com/zhixuhao/unet/blob/20c5aa48762ac73fcee6a5b4c80b61c925470433/main.py);
# the rest is written here
import numpy as np
from keras.models import *
from keras.layers import *
from keras.optimizers import *
from keras.callbacks import ModelCheckpoint, LearningRateScheduler
from keras.preprocessing.image import ImageDataGenerator
from keras import backend as keras


def unet(pretrained_weights = None,input_size = (256,256,1)):
    inputs = Input(input_size)
    conv1 = Conv2D(16, 3, activation = 'relu', padding = 'same', kernel_initializer = 'he_normal')(inputs)
    pool1 = MaxPooling2D(pool_size=(2, 2))(conv1)
    conv2 = Conv2D(32, 3, activation = 'relu', padding = 'same', kernel_initializer = 'he_normal')(pool1)
    drop2 = Dropout(0.5)(conv2)
    pool2 = MaxPooling2D(pool_size=(2, 2))(drop2)
    conv3 = Conv2D(64, 3, activation = 'relu', padding = 'same', kernel_initializer = 'he_normal')(pool2)
    drop3 = Dropout(0.5)(conv3)
    up4 = Conv2D(32, 2, activation = 'relu', padding = 'same', kernel_initializer = 'he_normal')(UpSampling2D(size = (2,2))(drop3))
    merge4 = concatenate([drop2,up4], axis = 3)
    conv4 = Conv2D(32, 3, activation = 'relu', padding = 'same', kernel_initializer = 'he_normal')(merge4)
    up5 = Conv2D(16, 2, activation = 'relu', padding = 'same', kernel_initializer = 'he_normal')(UpSampling2D(size = (2,2))(conv4))
    merge5 = concatenate([conv1,up5], axis = 3)
    conv5 = Conv2D(16, 3, activation = 'relu', padding = 'same', kernel_initializer = 'he_normal')(merge5)
    conv5 = Conv2D(2, 3, activation = 'relu', padding = 'same', kernel_initializer = 'he_normal')(conv5)
    conv6 = Conv2D(1, 1, activation = 'sigmoid')(conv5)
    # kerasmagic-corpus: depth and filters cut (the original has 5 levels, 64-1024 filters)
    model = Model(inputs = inputs, outputs = conv6)
    model.compile(optimizer = Adam(lr = 1e-4), loss = 'binary_crossentropy', metrics = ['accuracy'])
    if(pretrained_weights):
        model.load_weights(pretrained_weights)
    return model


def trainGenerator(batch_size, aug_dict, target_size = (64,64), seed = 1):
    # kerasmagic-corpus: synthetic data: random image/mask arrays instead of flow_from_directory on
    # data/membrane/train; the generators are built from aug_dict as published, but their random
    # transforms need scipy (not installed in the test environments), so the batches are not augmented
    image_datagen = ImageDataGenerator(**aug_dict)
    mask_datagen = ImageDataGenerator(**aug_dict)
    np.random.seed(seed)
    while True:
        img = np.random.rand(batch_size, target_size[0], target_size[1], 1)
        mask = np.random.rand(batch_size, target_size[0], target_size[1], 1)
        mask[mask > 0.5] = 1
        mask[mask <= 0.5] = 0
        yield (img,mask)


data_gen_args = dict(rotation_range=0.2,
                    width_shift_range=0.05,
                    height_shift_range=0.05,
                    shear_range=0.05,
                    zoom_range=0.05,
                    horizontal_flip=True,
                    fill_mode='nearest')
myGene = trainGenerator(2,data_gen_args)

model = unet(input_size = (64,64,1))  # kerasmagic-corpus: cut (256x256 input)
model_checkpoint = ModelCheckpoint('unet_membrane.hdf5', monitor='loss',verbose=1, save_best_only=True)
model.fit_generator(myGene,steps_per_epoch=3,epochs=1,callbacks=[model_checkpoint])  # kerasmagic-corpus: cut (300 steps)

testGene = (np.random.rand(1, 64, 64, 1) for _ in range(3))  # kerasmagic-corpus: synthetic data (testGenerator on data/membrane/test)
results = model.predict(testGene,3,verbose=1)
print('predicted masks', results.shape)
